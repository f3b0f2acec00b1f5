/** What the tiny guest's domain XML is made of. */
export interface TinyGuestSpec {
  readonly name: string;
  /** The domain type, from the host's capabilities (`qemu` in the lab: kvm is hidden). */
  readonly domainType: string;
  readonly kernelPath: string;
  readonly initrdPath: string;
  /** The qcow2 disk (the guest ignores it; internal snapshots need it). */
  readonly diskPath: string;
  /** The serial console's log: truncated at every QEMU start, the guest's markers land here. */
  readonly serialLogPath: string;
  /** An ISO attached as an IDE CD-ROM (a cidata seed, say). */
  readonly cdromPath?: string;
  readonly uuid?: string;
  /** Default 128. */
  readonly memoryMiB?: number;
  /** Default 1. */
  readonly vcpus?: number;
}

const xmlText = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');

/**
 * The lab's tiny guest as libvirt domain XML (test support; the connector builds its own): machine `pc` with ACPI
 * (the power button) and APIC, direct kernel boot of the lab's kernel and initramfs, a virtio qcow2 disk, a pty
 * serial console logged to a file, VNC on 127.0.0.1 with autoport, powered off on poweroff, restarted on reboot.
 */
export function tinyGuestXml(spec: TinyGuestSpec): string {
  const cdrom =
    spec.cdromPath === undefined
      ? ''
      : `    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='${xmlText(spec.cdromPath)}'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
`;
  return `<domain type='${xmlText(spec.domainType)}'>
  <name>${xmlText(spec.name)}</name>
${spec.uuid === undefined ? '' : `  <uuid>${xmlText(spec.uuid)}</uuid>\n`}  <memory unit='MiB'>${spec.memoryMiB ?? 128}</memory>
  <vcpu>${spec.vcpus ?? 1}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${xmlText(spec.kernelPath)}</kernel>
    <initrd>${xmlText(spec.initrdPath)}</initrd>
    <cmdline>console=ttyS0 quiet no_timer_check</cmdline>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${xmlText(spec.diskPath)}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
${cdrom}    <serial type='pty'>
      <log file='${xmlText(spec.serialLogPath)}' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <graphics type='vnc' port='-1' autoport='yes'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video>
      <model type='vga'/>
    </video>
  </devices>
</domain>
`;
}
