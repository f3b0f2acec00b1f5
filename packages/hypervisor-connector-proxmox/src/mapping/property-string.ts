/**
 * A PVE property string (`local-lvm:vm-100-disk-0,size=32G,iothread=1`, `virtio=BC:24:11:00:00:01,bridge=vmbr0`):
 * its first member when that has no `=` (a drive's volume), and its `key=value` members in order.
 */
export interface PropertyString {
  readonly head?: string;
  readonly members: ReadonlyMap<string, string>;
}

/** Parses a property string (pve-common `JSONSchema.pm parse_property_string`, without the schema). */
export function parsePropertyString(value: string): PropertyString {
  const members = new Map<string, string>();
  let head: string | undefined;
  value.split(',').forEach((part, index) => {
    const at = part.indexOf('=');
    if (at < 0) {
      if (index === 0) head = part;
      return;
    }
    members.set(part.slice(0, at), part.slice(at + 1));
  });
  return { ...(head === undefined ? {} : { head }), members };
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** A drive's `size=` (`32G`, `3584M`, `4194304`) in bytes; `undefined` when it is absent or not a size. */
export function parseDriveSize(size: string | undefined): number | undefined {
  const match = size === undefined ? null : /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(size);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (SIZE_UNITS[match[2] as string] as number));
}
