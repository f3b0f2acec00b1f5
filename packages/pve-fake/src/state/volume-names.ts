/** A volume's content type as PVE's `parse_volname` derives it from the name. */
export type VolumeType = 'images' | 'rootdir' | 'iso' | 'vztmpl' | 'backup' | 'snippets' | 'import';

/** What `parse_volname` tells about a volume name: its type and, for guest disks and backups, the owner VM. */
export interface ParsedVolname {
  readonly vtype: VolumeType;
  readonly owner?: number;
}

const VOLUME_ID = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i;

/** pve-storage `src/PVE/Storage.pm` `parse_volume_id`: `storage:volname`, or undefined (an absolute path, say). */
export function parseVolumeId(volid: string): { storage: string; volname: string } | undefined {
  const m = VOLUME_ID.exec(volid);
  return m ? { storage: m[1]!, volname: m[2]! } : undefined;
}

/**
 * pve-storage `src/PVE/Storage/Plugin.pm` `parse_volname` (directory layout): `iso/`, `vztmpl/`, `snippets/`,
 * `import/`, `dump/` prefixes name their content; anything else is a guest disk `[<vmid>/](vm|base)-<vmid>-…`.
 */
export function parseVolname(volname: string): ParsedVolname {
  const prefix = /^(iso|vztmpl|snippets|import|dump)\//.exec(volname)?.[1];
  if (prefix === 'dump') {
    const owner = /vzdump-(?:qemu|lxc|openvz)-(\d+)-/.exec(volname)?.[1];
    return owner === undefined ? { vtype: 'backup' } : { vtype: 'backup', owner: Number(owner) };
  }
  if (prefix !== undefined) return { vtype: prefix as VolumeType };
  const owner = /(?:^|\/)(?:vm|base)-(\d+)-/.exec(volname)?.[1];
  return owner === undefined ? { vtype: 'images' } : { vtype: 'images', owner: Number(owner) };
}
