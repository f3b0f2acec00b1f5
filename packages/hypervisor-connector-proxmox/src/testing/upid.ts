/** The fields of a PVE task id (UPID). */
export interface UpidFields {
  readonly node: string;
  readonly pid: number;
  readonly pstart: number;
  readonly starttime: number;
  readonly type: string;
  readonly id: string;
  /** `user@realm` or `user@realm!tokenid`. */
  readonly user: string;
}

/** The regular expression PVE itself parses UPIDs with. */
export const UPID_PATTERN =
  /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;

const hex8 = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');

/** Encodes a UPID as `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:` (PVE's `%08X` fields). */
export function encodeUpid(f: UpidFields): string {
  return `UPID:${f.node}:${hex8(f.pid)}:${hex8(f.pstart)}:${hex8(f.starttime)}:${f.type}:${f.id}:${f.user}:`;
}

/** Decodes a UPID; undefined when it does not parse. */
export function parseUpid(upid: string): UpidFields | undefined {
  const m = UPID_PATTERN.exec(upid);
  if (!m) return undefined;
  return {
    node: m[1]!,
    pid: Number.parseInt(m[3]!, 16),
    pstart: Number.parseInt(m[4]!, 16),
    starttime: Number.parseInt(m[5]!, 16),
    type: m[6]!,
    id: m[7]!,
    user: m[8]!,
  };
}
