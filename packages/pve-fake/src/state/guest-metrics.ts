import { parseVolumeValue, volumeSize } from './guest-volumes.js';
import type { PveGuestState } from './model.js';

const MiB = 1024 * 1024;

/** Configured memory in bytes (qemu `memory` is a property string `[current=]<MiB>`). */
export function maxMem(guest: PveGuestState): number {
  const raw = String(guest.config.memory ?? 512);
  const m = /(?:^|current=)(\d+)/.exec(raw);
  return Number(m?.[1] ?? 512) * MiB;
}

/** Number of virtual CPUs. */
export function cpuCount(guest: PveGuestState): number {
  const c = guest.config;
  if (guest.type === 'lxc') return Number(c.cores ?? 1);
  return Number(c.vcpus ?? Number(c.cores ?? 1) * Number(c.sockets ?? 1));
}

/** Size of the boot disk (qemu: first disk in the boot order, else the first disk; lxc: rootfs). */
export function maxDisk(guest: PveGuestState): number {
  const c = guest.config;
  if (guest.type === 'lxc') return typeof c.rootfs === 'string' ? volumeSize(c.rootfs) : 0;
  const order = /order=([^,]+)/.exec(String(c.boot ?? ''))?.[1]?.split(';') ?? [];
  const candidates = [
    ...order,
    ...Object.keys(c)
      .filter((k) => /^(scsi|virtio|sata|ide)\d+$/.test(k))
      .sort(),
  ];
  for (const key of candidates) {
    const v = c[key];
    if (typeof v === 'string' && parseVolumeValue(v).options.get('media') !== 'cdrom' && volumeSize(v) > 0) {
      return volumeSize(v);
    }
  }
  return 0;
}

/** Simulated usage of a guest (deterministic; zero when stopped). */
export function usage(guest: PveGuestState, nowSeconds: number) {
  const running = guest.status === 'running';
  const uptime = running && guest.startedAt !== undefined ? Math.max(0, nowSeconds - guest.startedAt) : 0;
  const mem = running ? Math.round(maxMem(guest) * 0.3) : 0;
  return {
    uptime,
    mem,
    cpu: running ? 0.012 : 0,
    netin: running ? uptime * 1200 : 0,
    netout: running ? uptime * 800 : 0,
    diskread: running ? uptime * 4096 : 0,
    diskwrite: running ? uptime * 2048 : 0,
    disk: guest.type === 'lxc' && running ? Math.round(maxDisk(guest) * 0.2) : 0,
  };
}
