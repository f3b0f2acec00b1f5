import { createHash } from 'node:crypto';
import { type CloudInitSpec, InvalidArgumentError, type NicAddressing } from '@hvc/hypervisor-connector';
import { buildIso9660Image } from './iso9660-image.js';
import { sha512Crypt } from './sha-crypt.js';
import { toYamlJson } from './yaml-json.js';

/** One NIC of the guest, in `nics` order: cloud-init matches its configuration by MAC address. */
export interface NoCloudNic {
  readonly macAddress: string;
}

/** What a NoCloud seed is made from. */
export interface NoCloudSeedInput {
  /** The validated cloud-init configuration (`CloudInitSpecSchema`'s output). */
  readonly cloudInit: CloudInitSpec;
  /** The guest's name: the host name when `cloudInit.hostname` is absent. */
  readonly guestName: string;
  /** The guest's NICs; `cloudInit.interfaces[i]` configures `nics[i]`. */
  readonly nics: readonly NoCloudNic[];
  /**
   * The salt of the password hash; random when absent. The instance id is a hash of the files, so a caller that
   * rebuilds a seed for the same configuration passes the same salt (or a `passwordHash`) to keep the instance id.
   */
  readonly passwordSalt?: string;
  /** Rounds of the password hash; the SHA-512 crypt default of the kit when absent. */
  readonly passwordRounds?: number;
}

/** The files of a NoCloud seed, by the names cloud-init reads. */
export interface NoCloudSeedFiles {
  readonly 'meta-data': string;
  readonly 'user-data': string;
  /** Absent when `cloudInit.interfaces` is: the image's own fallback (DHCP on the first NIC) then applies. */
  readonly 'network-config'?: string;
}

/** The volume label cloud-init's NoCloud source looks for. */
export const NOCLOUD_VOLUME_ID = 'cidata';
/** The most bytes the seed's files may hold together (Proxmox VE's limit for the same files). */
export const MAX_NOCLOUD_SEED_BYTES = 3 * 1024 * 1024;

const MAC_ADDRESS = /^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/;
const BOUNDARY = 'hvc-cloud-init-part';
/** Content types of a caller's user-data by its first line, longest prefix first (cloud-init's `INCLUSION_TYPES_MAP`). */
const USER_DATA_TYPES = [
  ['#cloud-config-archive', 'text/cloud-config-archive'],
  ['#cloud-config', 'text/cloud-config'],
  ['#cloud-boothook', 'text/cloud-boothook'],
  ['#include', 'text/x-include-url'],
  ['#!', 'text/x-shellscript'],
] as const;

/**
 * The NoCloud files for a guest: `user-data` in the shape Proxmox VE generates (host name, user, SHA-512 crypt
 * password, keys, `chpasswd.expire: false`, `package_upgrade`), `network-config` version 2 (one `ethernets` entry per
 * configured NIC, matched by MAC), `meta-data` with an instance id that changes whenever the other files do. With
 * `userData` the user-data is a MIME multipart: the caller's part first, the generated one last, so on keys both set
 * the generated values win (cloud-init merges later cloud-config parts over earlier ones). The password leaves only
 * as its hash; no value of the spec appears in an error.
 */
export function buildNoCloudSeedFiles(input: NoCloudSeedInput): NoCloudSeedFiles {
  const { cloudInit } = input;
  if (cloudInit.userDataVolume !== undefined) {
    throw invalid(
      'userDataVolume',
      'a NoCloud seed takes user-data inline: read the volume into userData first',
    );
  }
  const networkConfig = networkConfigOf(input);
  const generated = `#cloud-config\n${toYamlJson(cloudConfigOf(input), 'cloudInit')}\n`;
  const userData = cloudInit.userData === undefined ? generated : multipart(cloudInit.userData, generated);
  const host = hostOf(input);
  const instanceId = createHash('sha1')
    .update(userData)
    .update(networkConfig ?? '')
    .digest('hex');
  const metaData = `${toYamlJson({ 'instance-id': instanceId, 'local-hostname': host.name }, 'cloudInit')}\n`;
  const files: NoCloudSeedFiles =
    networkConfig === undefined
      ? { 'meta-data': metaData, 'user-data': userData }
      : { 'meta-data': metaData, 'user-data': userData, 'network-config': networkConfig };
  const bytes = Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text ?? ''), 0);
  if (bytes > MAX_NOCLOUD_SEED_BYTES) {
    throw invalid('cloudInit', `the seed's files exceed ${MAX_NOCLOUD_SEED_BYTES} bytes`);
  }
  return files;
}

/**
 * The NoCloud seed as an ISO-9660 image labelled `cidata` (primary tree and Joliet), ready to attach as a CD-ROM or
 * disk. `recordedAt` fixes the image's dates (now when absent).
 */
export function buildNoCloudSeedImage(input: NoCloudSeedInput & { readonly recordedAt?: Date }): Uint8Array {
  const files = buildNoCloudSeedFiles(input);
  const encoder = new TextEncoder();
  return buildIso9660Image({
    volumeId: NOCLOUD_VOLUME_ID,
    files: Object.entries(files).map(([name, text]) => ({ name, data: encoder.encode(text) })),
    ...(input.recordedAt === undefined ? {} : { recordedAt: input.recordedAt }),
  });
}

/** The generated `#cloud-config`, key for key what Proxmox VE writes (`Cloudinit.pm cloudinit_userdata`). */
function cloudConfigOf(input: NoCloudSeedInput): Record<string, unknown> {
  const { cloudInit } = input;
  const host = hostOf(input);
  const config: Record<string, unknown> = { hostname: host.name, manage_etc_hosts: true };
  if (host.fqdn !== undefined) config.fqdn = host.fqdn;
  if (cloudInit.user !== undefined) config.user = cloudInit.user;
  if (cloudInit.user === 'root') config.disable_root = false;
  const password =
    cloudInit.password === undefined
      ? cloudInit.passwordHash
      : sha512Crypt(cloudInit.password, {
          ...(input.passwordSalt === undefined ? {} : { salt: input.passwordSalt }),
          ...(input.passwordRounds === undefined ? {} : { rounds: input.passwordRounds }),
        });
  if (password !== undefined) config.password = password;
  if (cloudInit.sshAuthorizedKeys !== undefined)
    config.ssh_authorized_keys = [...cloudInit.sshAuthorizedKeys];
  config.chpasswd = { expire: false };
  if (cloudInit.user !== 'root') config.users = ['default'];
  config.package_upgrade = cloudInit.packageUpgrade;
  return config;
}

/** The short host name and, when it can be told, the FQDN (the host name with dots, or with the first search domain). */
function hostOf(input: NoCloudSeedInput): { name: string; fqdn?: string } {
  const full = input.cloudInit.hostname ?? input.guestName;
  const [name = full] = full.split('.');
  const searchDomain = input.cloudInit.dns?.searchDomains?.[0];
  if (full.includes('.')) return { name, fqdn: full };
  return searchDomain === undefined ? { name } : { name, fqdn: `${name}.${searchDomain}` };
}

/**
 * `network-config` version 2; the DNS settings go on every configured NIC (v2 has no global resolver). DNS settings
 * without `interfaces` configure every NIC with its default addressing (DHCPv4) to carry them; a guest without NICs
 * has no resolver to set, and gets no network-config.
 */
function networkConfigOf(input: NoCloudSeedInput): string | undefined {
  const { dns } = input.cloudInit;
  const given = input.cloudInit.interfaces ?? [];
  const interfaces =
    given.length > 0 || dns === undefined ? given : input.nics.map((): NicAddressing => ({}));
  if (interfaces.length === 0) return undefined;
  const ethernets: Record<string, unknown> = {};
  interfaces.forEach((addressing, i) => {
    const nic = input.nics[i];
    if (nic === undefined) throw invalid(`interfaces.${i}`, `there is no nics.${i}`);
    if (!MAC_ADDRESS.test(nic.macAddress)) throw invalid(`nics.${i}.macAddress`, 'not a MAC address');
    ethernets[`nic${i}`] = {
      match: { macaddress: nic.macAddress.toLowerCase() },
      'set-name': `eth${i}`,
      ...ethernetAddressing(addressing),
      ...(dns === undefined
        ? {}
        : {
            nameservers: {
              ...(dns.nameservers === undefined ? {} : { addresses: [...dns.nameservers] }),
              ...(dns.searchDomains === undefined ? {} : { search: [...dns.searchDomains] }),
            },
          }),
    };
  });
  return `${toYamlJson({ version: 2, ethernets }, 'cloudInit.interfaces')}\n`;
}

/** One NIC's addresses; no IPv4 setting means DHCPv4, as on Proxmox VE. Default routes as `routes`, not `gateway4`. */
function ethernetAddressing(addressing: NicAddressing): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const addresses: string[] = [];
  const routes: { to: string; via: string }[] = [];
  const { ipv4 = 'dhcp', ipv6 } = addressing;
  if (ipv4 === 'dhcp') out.dhcp4 = true;
  else {
    addresses.push(ipv4.address);
    if (ipv4.gateway !== undefined) routes.push({ to: '0.0.0.0/0', via: ipv4.gateway });
  }
  if (ipv6 === 'dhcp') out.dhcp6 = true;
  else if (ipv6 === 'slaac') out['accept-ra'] = true;
  else if (ipv6 !== undefined) {
    addresses.push(ipv6.address);
    if (ipv6.gateway !== undefined) routes.push({ to: '::/0', via: ipv6.gateway });
  }
  if (addresses.length > 0) out.addresses = addresses;
  if (routes.length > 0) out.routes = routes;
  return out;
}

/** The caller's user-data and the generated cloud-config as one MIME multipart, each part base64 (no boundary clash). */
function multipart(callerPart: string, generated: string): string {
  const type = USER_DATA_TYPES.find(([prefix]) => callerPart.startsWith(prefix))?.[1];
  if (type === undefined) {
    throw invalid(
      'userData',
      'user-data starts with #cloud-config, #!, #cloud-boothook, #include or #cloud-config-archive',
    );
  }
  const part = (contentType: string, filename: string, text: string) =>
    [
      `--${BOUNDARY}`,
      `Content-Type: ${contentType}; charset="utf-8"`,
      'MIME-Version: 1.0',
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="${filename}"`,
      '',
      ...(Buffer.from(text, 'utf8')
        .toString('base64')
        .match(/.{1,76}/g) ?? []),
    ].join('\n');
  return [
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    'MIME-Version: 1.0',
    '',
    part(type, 'user-data', callerPart),
    part('text/cloud-config', 'hvc-cloud-config', generated),
    `--${BOUNDARY}--`,
    '',
  ].join('\n');
}

function invalid(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid cloud-init seed: ${field}: ${message}`, {
    violations: [{ field, message }],
  });
}
