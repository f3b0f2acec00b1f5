import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestSpecInput } from '@hvc/hypervisor-connector';
import type { LibvirtConfigInput } from '../../../src/config/libvirt-config.js';
import type { LabFacts } from '../../lab/lab-facts.js';

/**
 * A libvirt target on the lab's hosts over TCP, tuned for the tiny guest: the ACPI button pressed again every
 * second (it is lost while the guest boots), waits polling from 100 ms.
 */
export function labTargetConfig(lab: LabFacts, extra: Partial<LibvirtConfigInput> = {}): LibvirtConfigInput {
  return {
    hosts: lab.hosts.map((host) => host.tcpUri),
    pool: lab.pool.name,
    shutdown: { timeoutMs: 60_000, repressMs: 1_000 },
    operations: { pollMs: 100, maxPollMs: 1_000, settleMs: 30_000, keepEnded: 1_000 },
    ...extra,
  };
}

/**
 * The lab's tiny guest as a VM spec: 128 MiB, one vCPU, a 64 MiB qcow2 disk (internal snapshots need one), booted
 * straight from the lab's kernel and initramfs (`providerOptions.libvirt.kernel` / `initrd` / `cmdline`), its serial
 * console logged where the lab's helpers read the guest's markers.
 */
export function tinyVmSpec(lab: LabFacts, name: string): GuestSpecInput {
  return {
    type: 'vm',
    name,
    cpus: 1,
    memoryMiB: 128,
    disks: [{ sizeGiB: 64 / 1024 }],
    providerOptions: {
      libvirt: {
        kernel: lab.guestImage.kernelPath,
        initrd: lab.guestImage.initrdPath,
        // no_timer_check: under TCG on a loaded machine the kernel's IO-APIC timer check can fail and panic.
        cmdline: 'console=ttyS0 quiet no_timer_check',
        serialLog: join(lab.serialDir, `${name}.log`),
      },
    },
  };
}

/**
 * A QEMU that takes two seconds longer to start a guest (the wrapper sleeps, then runs the real one; libvirt's
 * capability probe, which passes no `-name`, is not slowed): a real, slow-starting emulator, so a start operation
 * is seen running, waited on, timed out and cancelled.
 */
export async function writeSlowQemu(dir: string): Promise<string> {
  const path = join(dir, 'slow-qemu-system-x86_64');
  await writeFile(
    path,
    '#!/bin/sh\ncase " $* " in *" -name "*) sleep 2 ;; esac\nexec /usr/bin/qemu-system-x86_64 "$@"\n',
  );
  await chmod(path, 0o755);
  return path;
}
