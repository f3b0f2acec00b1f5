import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * The `node:diagnostics_channel` channels the connector publishes on. Messages never hold secrets: parameter
 * values whose names look secret are replaced with `[redacted]`, and auth headers are never published.
 */
export const PROXMOX_DIAGNOSTICS_CHANNELS = {
  /** Before each HTTP attempt: {@link ProxmoxRequestMessage}. */
  request: 'hvc:proxmox:request',
  /** After each HTTP attempt, success or failure: {@link ProxmoxResponseMessage}. */
  response: 'hvc:proxmox:response',
  /** Each poll of a task wait and its end: {@link ProxmoxTaskWaitMessage}. */
  taskWait: 'hvc:proxmox:task-wait',
} as const;

/** Published on {@link PROXMOX_DIAGNOSTICS_CHANNELS.request}. */
export interface ProxmoxRequestMessage {
  readonly target?: string;
  readonly requestId: number;
  readonly method: string;
  /** The API path without `/api2/json`. */
  readonly path: string;
  readonly endpoint: string;
  readonly attempt: number;
  /** The parameters with secret-looking values redacted. */
  readonly params: Readonly<Record<string, unknown>>;
}

/** Published on {@link PROXMOX_DIAGNOSTICS_CHANNELS.response}. */
export interface ProxmoxResponseMessage {
  readonly target?: string;
  readonly requestId: number;
  readonly method: string;
  readonly path: string;
  readonly endpoint: string;
  readonly attempt: number;
  /** The HTTP status, absent when no response came. */
  readonly status?: number;
  readonly durationMs: number;
  /** The contract error code, when the attempt failed. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** Published on {@link PROXMOX_DIAGNOSTICS_CHANNELS.taskWait}. */
export interface ProxmoxTaskWaitMessage {
  readonly target?: string;
  readonly operationId: string;
  readonly upid: string;
  readonly event: 'poll' | 'done' | 'timeout' | 'cancelled';
  readonly status?: string;
  readonly poll: number;
}

const SECRET_NAME = /pass|secret|token|ticket|otp|key|cookie|csrf|authorization|tfa/i;

/** A copy of `params` whose secret-looking values are `[redacted]`. */
export function redactParams(params: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    out[key] = SECRET_NAME.test(key) ? '[redacted]' : value;
  }
  return out;
}

const requestChannel = diagnosticsChannel.channel(PROXMOX_DIAGNOSTICS_CHANNELS.request);
const responseChannel = diagnosticsChannel.channel(PROXMOX_DIAGNOSTICS_CHANNELS.response);
const taskWaitChannel = diagnosticsChannel.channel(PROXMOX_DIAGNOSTICS_CHANNELS.taskWait);

/** Whether anyone listens to requests or responses. */
export function hasDiagnosticsSubscribers(): boolean {
  return requestChannel.hasSubscribers || responseChannel.hasSubscribers;
}

/** Publishes a request message when anyone listens. */
export function publishRequest(message: () => ProxmoxRequestMessage): void {
  if (requestChannel.hasSubscribers) requestChannel.publish(message());
}

/** Publishes a response message when anyone listens. */
export function publishResponse(message: () => ProxmoxResponseMessage): void {
  if (responseChannel.hasSubscribers) responseChannel.publish(message());
}

/** Publishes a task-wait message when anyone listens. */
export function publishTaskWait(message: () => ProxmoxTaskWaitMessage): void {
  if (taskWaitChannel.hasSubscribers) taskWaitChannel.publish(message());
}
