import { fromJson, type JsonObject } from '@bufbuild/protobuf';
import { wire } from '@hvc/client';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';

/** The flags of `hvc guests create`, as commander parses them. */
export interface GuestSpecFlags {
  readonly name?: string;
  readonly type?: 'vm' | 'container';
  readonly node?: string;
  readonly cpus?: number;
  readonly memory?: number;
  readonly disk: readonly string[];
  readonly nic: readonly string[];
  readonly tag: readonly string[];
  readonly pool?: string;
  readonly description?: string;
  readonly start?: boolean;
  readonly osType?: string;
  readonly firmware?: string;
  readonly cdrom?: string;
  readonly osTemplate?: string;
  readonly unprivileged?: boolean;
  readonly sshPublicKeys: readonly string[];
  readonly providerOptions?: JsonObject;
  /** VMs: clone this template guest. */
  readonly fromTemplate?: string;
  /** VMs: copy this disk image volume into the boot disk. */
  readonly fromImage?: string;
  /** VMs: boot this ISO volume first. */
  readonly iso?: string;
  /** VMs: the boot disk's size in GiB (template and image sources). */
  readonly diskSize?: number;
  /** VMs: per NIC, `CIDR[,gw=ADDRESS]` or `dhcp` (cloud-init). */
  readonly ip?: readonly string[];
  /** VMs: the cloud-init login user. */
  readonly user?: string;
  /** VMs: a QEMU guest agent channel (what `hvc guests addresses` reads). */
  readonly guestAgent?: boolean;
}

/** `--disk 32` or `--disk 32:local-lvm`: a size in GiB and an optional storage. */
function diskOf(text: string): JsonObject {
  const [size, storage] = text.split(':', 2);
  const sizeGib = Number(size);
  if (!(sizeGib > 0))
    throw new CliError(`--disk ${text}: expected SIZE_GIB[:STORAGE], e.g. 32:local-lvm`, EXIT.usage);
  return { sizeGib, ...(storage ? { storage } : {}) };
}

/** `--nic vmbr0` or `--nic vmbr0,model=virtio,vlan=10,mac=…,firewall`: a bridge and optional settings. */
export function nicOf(text: string): JsonObject {
  const [bridge, ...settings] = text.split(',');
  if (!bridge)
    throw new CliError(`--nic ${text}: expected BRIDGE[,model=M][,vlan=N][,mac=MAC][,firewall]`, EXIT.usage);
  const nic: JsonObject = { bridge };
  for (const setting of settings) {
    const [key, value] = setting.split('=', 2);
    if (key === 'model' && value) nic.model = value;
    else if (key === 'vlan' && value && Number.isInteger(Number(value))) nic.vlan = Number(value);
    else if (key === 'mac' && value) nic.macAddress = value;
    else if (key === 'firewall' && value === undefined) nic.firewall = true;
    else throw new CliError(`--nic ${text}: unknown setting "${setting}"`, EXIT.usage);
  }
  return nic;
}

/** `--ip 10.0.0.5/24,gw=10.0.0.1`, `--ip dhcp`: the IPv4 addressing of one NIC (checked by the server). */
function addressingOf(text: string): JsonObject {
  if (text === 'dhcp') return { ipv4Dhcp: true };
  const [address, ...settings] = text.split(',');
  if (!address?.includes('/'))
    throw new CliError(
      `--ip ${text}: expected CIDR[,gw=ADDRESS] (e.g. 10.0.0.5/24,gw=10.0.0.1) or dhcp`,
      EXIT.usage,
    );
  const ipv4Static: JsonObject = { address };
  for (const setting of settings) {
    const [key, value] = setting.split('=', 2);
    if (key === 'gw' && value) ipv4Static.gateway = value;
    else throw new CliError(`--ip ${text}: unknown setting "${setting}"`, EXIT.usage);
  }
  return { ipv4Static };
}

/** The VM source the flags name: at most one of --from-template, --from-image and --iso. */
function sourceOf(flags: GuestSpecFlags): JsonObject {
  const given: JsonObject[] = [];
  if (flags.fromTemplate !== undefined) given.push({ template: { guestId: flags.fromTemplate } });
  if (flags.fromImage !== undefined) given.push({ image: { volumeId: flags.fromImage } });
  if (flags.iso !== undefined) given.push({ iso: { volumeId: flags.iso } });
  if (given.length > 1)
    throw new CliError('--from-template, --from-image and --iso exclude each other', EXIT.usage);
  return given[0] ?? {};
}

/**
 * The `GuestSpec` to create: `--spec-file` (the API's JSON form) with every flag given laid over it, checked
 * against the API's schema here so a typo fails before any call.
 */
export function guestSpecOf(
  flags: GuestSpecFlags,
  fromFile: JsonObject,
  password: string | undefined,
): wire.GuestSpec {
  const fromFlags: JsonObject = {
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.type === undefined
      ? {}
      : { type: flags.type === 'vm' ? 'GUEST_TYPE_VM' : 'GUEST_TYPE_CONTAINER' }),
    ...(flags.node === undefined ? {} : { node: flags.node }),
    ...(flags.cpus === undefined ? {} : { cpus: flags.cpus }),
    ...(flags.memory === undefined ? {} : { memoryMib: flags.memory }),
    ...(flags.disk.length === 0 ? {} : { disks: flags.disk.map(diskOf) }),
    ...(flags.nic.length === 0 ? {} : { nics: flags.nic.map(nicOf) }),
    ...(flags.tag.length === 0 ? {} : { tags: [...flags.tag] }),
    ...(flags.pool === undefined ? {} : { pool: flags.pool }),
    ...(flags.description === undefined ? {} : { description: flags.description }),
    ...(flags.start === undefined ? {} : { start: flags.start }),
    ...(flags.osType === undefined ? {} : { osType: flags.osType }),
    ...(flags.firmware === undefined ? {} : { firmware: flags.firmware }),
    ...(flags.guestAgent === undefined ? {} : { guestAgent: flags.guestAgent }),
    ...(flags.cdrom === undefined ? {} : { cdrom: flags.cdrom }),
    ...(flags.osTemplate === undefined ? {} : { osTemplate: flags.osTemplate }),
    ...(flags.unprivileged === undefined ? {} : { unprivileged: flags.unprivileged }),
    ...(flags.sshPublicKeys.length === 0 ? {} : { sshPublicKeys: [...flags.sshPublicKeys] }),
    ...(flags.providerOptions === undefined ? {} : { providerOptions: flags.providerOptions }),
    ...(password === undefined ? {} : { password }),
  };
  const merged: JsonObject = { type: 'GUEST_TYPE_VM', ...fromFile, ...fromFlags, ...sourceOf(flags) };
  if (flags.diskSize !== undefined)
    merged.bootDisk = { ...(merged.bootDisk as JsonObject), sizeGib: flags.diskSize };
  // A VM takes its keys, addresses, user and password through cloud-init; a container takes keys and a root password.
  if (merged.type === 'GUEST_TYPE_VM') {
    const cloudInit: JsonObject = { ...(merged.cloudInit as JsonObject | undefined) };
    if (merged.sshPublicKeys !== undefined) {
      cloudInit.sshAuthorizedKeys = merged.sshPublicKeys;
      delete merged.sshPublicKeys;
    }
    if (merged.password !== undefined) {
      cloudInit.password = merged.password;
      delete merged.password;
    }
    if (flags.user !== undefined) cloudInit.user = flags.user;
    if (flags.ip !== undefined && flags.ip.length > 0) cloudInit.interfaces = flags.ip.map(addressingOf);
    if (Object.keys(cloudInit).length > 0) merged.cloudInit = cloudInit;
  } else if (flags.user !== undefined || (flags.ip ?? []).length > 0) {
    throw new CliError('--user and --ip configure VMs (cloud-init); containers take neither', EXIT.usage);
  }
  if (typeof merged.name !== 'string' || merged.name === '')
    throw new CliError('a new guest needs a name: --name NAME (or "name" in --spec-file)', EXIT.usage);
  try {
    return fromJson(wire.GuestSpecSchema, merged);
  } catch (error) {
    // The password is a plain string, which always decodes: a message quoting a bad value never quotes it.
    throw new CliError(`the guest spec is not valid: ${(error as Error).message}`, EXIT.usage);
  }
}
