import { createHvcClient, type HvcClient, wire } from '@hvc/client';
import { createNodeTransport } from '@hvc/client/node';
import { afterAll, beforeAll, expect } from 'vitest';
import { type ServerProcess, startServerProcess } from './server-process.js';

/** The line `hvc-server demo --json` prints once it serves. */
export interface DemoLine {
  readonly url: string;
  readonly adminToken: string;
  readonly viewerToken: string;
  readonly otherOrgToken: string;
}

/** A running `hvc-server demo` and a client of its admin. */
export interface DemoServer {
  readonly process: ServerProcess;
  readonly info: DemoLine;
  readonly admin: HvcClient;
  /** A client of the demo's other organisation. */
  otherOrg(): HvcClient;
}

/** Starts `hvc-server demo --json` on a free port and waits until it serves. */
export async function startDemoServer(): Promise<DemoServer> {
  const process = startServerProcess(['demo', '--json'], { HVC_PORT: '0' });
  const info = await process.waitFor<DemoLine>((line) => typeof line.adminToken === 'string');
  const client = (token: string) => createHvcClient(createNodeTransport({ baseUrl: info.url, token }));
  return { process, info, admin: client(info.adminToken), otherOrg: () => client(info.otherOrgToken) };
}

/**
 * A demo server for the calling test file: started before its tests, stopped after them (a clean exit expected).
 * Read `admin` and `otherOrg()` inside tests, once it has started.
 */
export function demoServerForFile(): { readonly admin: HvcClient; otherOrg(): HvcClient } {
  let demo: DemoServer | undefined;
  beforeAll(async () => {
    demo = await startDemoServer();
  });
  afterAll(async () => {
    if (demo) expect(await demo.process.stop()).toBe(0);
  });
  const started = () => {
    if (!demo) throw new Error('the demo server has not started');
    return demo;
  };
  return {
    get admin() {
      return started().admin;
    },
    otherOrg: () => started().otherOrg(),
  };
}

/** Follows an operation to its end over the server's stream; returns its last state. */
export async function followOperation(
  client: HvcClient,
  targetId: string,
  operationId: string,
): Promise<wire.Operation | undefined> {
  let last: wire.Operation | undefined;
  for await (const update of client.operations.watchOperation({ targetId, operationId }))
    last = update.operation;
  return last;
}

/** Follows `operation` to its end and expects it to have succeeded (its error message otherwise); returns it. */
export async function expectSucceeded(
  client: HvcClient,
  targetId: string,
  operation: wire.Operation | undefined,
): Promise<wire.Operation> {
  if (operation === undefined) throw new Error('the call answered no operation');
  const last = await followOperation(client, targetId, operation.id);
  expect(last?.status, last?.error?.message).toBe(wire.OperationStatus.SUCCEEDED);
  return last as wire.Operation;
}
