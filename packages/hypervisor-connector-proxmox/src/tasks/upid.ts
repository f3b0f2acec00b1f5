import { InvalidArgumentError } from '@hvc/hypervisor-connector';

/** The fields of a PVE task id (UPID): `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:`. */
export interface Upid {
  readonly node: string;
  /** Worker process id. */
  readonly pid: number;
  /** Process start, in clock ticks since boot. */
  readonly pstart: number;
  /** Task start, unix seconds. */
  readonly starttime: number;
  /** Task type, e.g. `qmstart`. */
  readonly type: string;
  /** Usually the VMID; may be empty. */
  readonly id: string;
  /** `user@realm` or `user@realm!tokenid`. */
  readonly user: string;
}

/** The regular expression PVE itself parses UPIDs with (`PVE::Tools::upid_decode`). */
export const UPID_PATTERN =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

/** Parses a UPID, or returns `undefined` when `text` is not one. */
export function tryParseUpid(text: string): Upid | undefined {
  const match = UPID_PATTERN.exec(text);
  if (!match) return undefined;
  const [, node, pid, pstart, starttime, type, id, user] = match as unknown as [string, ...string[]];
  return {
    node: node as string,
    pid: Number.parseInt(pid as string, 16),
    pstart: Number.parseInt(pstart as string, 16),
    starttime: Number.parseInt(starttime as string, 16),
    type: type as string,
    id: id as string,
    user: user as string,
  };
}

/** Parses a UPID; INVALID_ARGUMENT when `text` is not one. */
export function parseUpid(text: string): Upid {
  const upid = tryParseUpid(text);
  if (!upid) {
    throw new InvalidArgumentError('not a PVE task id (UPID)', {
      violations: [{ field: 'upid', message: 'not a UPID' }],
    });
  }
  return upid;
}

const hex = (value: number, width: number) => value.toString(16).toUpperCase().padStart(width, '0');

/** Formats UPID fields the way PVE does (`%08X` hex, trailing colon). */
export function formatUpid(upid: Upid): string {
  return `UPID:${upid.node}:${hex(upid.pid, 8)}:${hex(upid.pstart, 8)}:${hex(upid.starttime, 8)}:${upid.type}:${upid.id}:${upid.user}:`;
}
