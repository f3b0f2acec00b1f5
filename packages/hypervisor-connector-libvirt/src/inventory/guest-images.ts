import type { Guest, Image } from '@hvc/hypervisor-connector';

/** A template guest as an image of kind `template`. */
export function templateImage(guest: Guest): Image {
  return {
    id: guest.id,
    kind: 'template',
    name: guest.name,
    node: guest.node,
    guestType: guest.type,
    raw: { ...guest.raw },
  };
}

/** The paths of a guest's disks, from its raw record (`raw.disks[].path`, as the domain mapping writes it). */
export function diskPaths(raw: Readonly<Record<string, unknown>>): string[] {
  const disks = raw.disks;
  if (!Array.isArray(disks)) return [];
  return disks.flatMap((disk: unknown) => {
    const path = (disk as { path?: unknown } | null)?.path;
    return typeof path === 'string' ? [path] : [];
  });
}
