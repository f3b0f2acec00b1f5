import {
  type Capabilities,
  FULL_CAPABILITIES,
  type GuestCapabilityName,
  type GuestType,
  OPTIONAL_CAPABILITIES_MISSING,
} from '@hvc/hypervisor-connector';

/**
 * What PVE containers lack although VMs have it, each with why: the capability gate refuses these on a container
 * with UNSUPPORTED before anything is sent.
 */
const CONTAINER_LIMITS = {
  reset: 'containers cannot be reset',
  suspend: "PVE's container freeze does not show in the container's status",
  memorySnapshots: 'containers have no memory snapshots',
  'console.spice': 'VMs only',
  'migration.live': 'containers cannot migrate live; stop it or migrate with online: false to restart it',
  'disks.add': 'VMs only in this connector: a container mount point needs a path inside the container',
  'disks.remove': 'VMs only in this connector',
  'nics.add': 'VMs only in this connector',
  'nics.remove': 'VMs only in this connector',
  'sources.template': 'a container is cloned with cloneGuest',
  'sources.image': 'containers are made from an OS template (osTemplate)',
  'sources.iso': 'containers do not boot',
  bootOrder: 'containers do not boot from devices',
  'cloudInit.config': 'containers have no cloud-init; use password and sshPublicKeys',
  'guestAddresses.agent': 'containers are read by the host (source host)',
} as const satisfies Partial<Record<GuestCapabilityName, string>>;

/** What the Proxmox connector supports at all: the whole contract but SPICE, and per guest type what PVE allows. */
const PROXMOX_CAPABILITIES: Capabilities = Object.freeze({
  ...FULL_CAPABILITIES,
  ...OPTIONAL_CAPABILITIES_MISSING,
  inventory: FULL_CAPABILITIES.inventory,
  guestConfig: true,
  templates: true,
  disks: { add: true, remove: true, resize: true, resizeRunning: true },
  nics: { add: true, remove: true },
  sources: { template: true, image: true, iso: true },
  bootOrder: true,
  guestAddresses: ['agent', 'host'],
  cloudInit: { config: true, hostname: false, userData: false, userDataVolume: true },
  watch: true,
  operationList: true,
  console: ['vnc', 'terminal'],
  consoleStream: ['vnc'],
  notes: {
    'consoleStream.terminal': 'not offered: termproxy speaks its own framing, not RFB; use openConsole',
    'clone.linked': 'from templates only',
    'console.spice': 'not offered: it needs a SPICE display and a SPICE client; use raw() on spiceproxy',
    'sources.image':
      'needs PVE 8.2 or later (import content); upload cloud images as import content (.qcow2, .raw)',
    'cloudInit.hostname':
      'PVE derives the host name from the VM name (qemu-server Cloudinit.pm get_hostname_fqdn): name the VM instead',
    'cloudInit.userData':
      'PVE reads user-data only from snippet volumes, which its API cannot write: give a snippet as userDataVolume',
    'cloudInit.userDataVolume':
      'sent as a vendor snippet (cicustom vendor=), merged under the generated user-data',
  },
  unsupportedByGuestType: {
    container: CONTAINER_LIMITS,
    vm: { 'guestAddresses.host': 'VMs are read through the QEMU guest agent (source agent)' },
  },
}) as Capabilities;

const CONTAINERS_ONLY = 'this connector is configured for containers only';

/**
 * The capabilities of one connector: a connector configured for containers only has none of what containers lack.
 * API tokens open consoles as tickets do: neither `vncproxy`/`termproxy` nor `vncwebsocket` (qemu-server `Qemu.pm`,
 * pve-container `LXC.pm`) sets `allowtoken`, which pve-common `RESTHandler.pm` defaults to 1, and pveproxy refuses a
 * token only where it is 0 (pve-manager `PVE/HTTPServer.pm`: `not available with API token, need proper ticket`).
 */
export function capabilitiesFor(guestTypes: readonly GuestType[]): Capabilities {
  const notes: Record<string, string> = { ...PROXMOX_CAPABILITIES.notes };
  let caps: Capabilities = { ...PROXMOX_CAPABILITIES, guestTypes: [...guestTypes] };
  if (!guestTypes.includes('vm')) {
    caps = {
      ...caps,
      reset: false,
      suspend: false,
      memorySnapshots: false,
      migration: { ...caps.migration, live: false },
    };
    for (const name of ['reset', 'suspend', 'memorySnapshots', 'migration.live'] as const) {
      notes[name] = `${CONTAINERS_ONLY}; ${CONTAINER_LIMITS[name]}`;
    }
  }
  return Object.freeze({ ...caps, notes });
}

/** Who the credential is, beyond its privileges: what a refinement by path needs. */
export interface CredentialScope {
  /** Whether it is an API token (else a user's ticket). */
  readonly token: boolean;
  /** Its privileges on `/` itself. */
  readonly rootPrivileges: ReadonlySet<string>;
}

/**
 * Narrows capabilities to what a credential's privileges (the union over every ACL path) allow, and `scope` to what
 * depends on who it is and on its privileges on `/`.
 */
export function refineCapabilities(
  base: Capabilities,
  privileges: ReadonlySet<string>,
  scope?: CredentialScope,
): Capabilities {
  const has = (privilege: string) => privileges.has(privilege);
  const notes: Record<string, string> = { ...base.notes };
  const lacking = (name: string, privilege: string) => {
    notes[name] = `this credential lacks ${privilege}`;
  };
  // pve-manager `PVE/API2/Cluster.pm` `tasks`: without Sys.Audit on `/`, a task is listed only when its user, token
  // split off, is the caller's whole id, which a token's never is: such a token would always list nothing.
  const operationList =
    base.operationList && !(scope?.token === true && !scope.rootPrivileges.has('Sys.Audit'));
  if (!operationList)
    notes.operationList =
      'an API token lists operations only with Sys.Audit on /: PVE lists it no task without';
  const create = base.create && has('VM.Allocate');
  if (!create) lacking('create', 'VM.Allocate');
  const update = base.update && [...privileges].some((p) => p.startsWith('VM.Config.'));
  if (!update) lacking('update', 'VM.Config.*');
  const clone = has('VM.Clone') && has('VM.Allocate');
  if (!clone) lacking('clone', 'VM.Clone and VM.Allocate');
  const snapshots = base.snapshots && has('VM.Snapshot');
  if (!snapshots) lacking('snapshots', 'VM.Snapshot');
  const migrate = has('VM.Migrate');
  if (!migrate) lacking('migration', 'VM.Migrate');
  const power = has('VM.PowerMgmt');
  if (!power) lacking('suspend', 'VM.PowerMgmt');
  const console = has('VM.Console');
  if (!console) lacking('console', 'VM.Console');
  if (!console) lacking('consoleStream', 'VM.Console');
  const metrics = base.metrics && has('VM.Audit');
  if (!metrics) lacking('metrics', 'VM.Audit');
  const guestConfig = base.guestConfig === true && has('VM.Audit');
  if (!guestConfig) lacking('guestConfig', 'VM.Audit');
  // qemu-server `Qemu.pm` template: VM.Allocate; disks VM.Config.Disk; NICs VM.Config.Network.
  const templates = base.templates === true && has('VM.Allocate');
  if (!templates) lacking('templates', 'VM.Allocate');
  const disk = has('VM.Config.Disk');
  if (!disk) lacking('disks', 'VM.Config.Disk');
  const network = has('VM.Config.Network');
  if (!network) lacking('nics', 'VM.Config.Network');
  // PVE 9: VM.GuestAgent.Audit or .Unrestricted; PVE 8: VM.Monitor (qemu-server `API2/Qemu/Agent.pm`).
  const agent = has('VM.Monitor') || has('VM.GuestAgent.Audit') || has('VM.GuestAgent.Unrestricted');
  if (!agent) lacking('guestAddresses', 'VM.GuestAgent.Audit (PVE 9) or VM.Monitor (PVE 8)');
  const guestAddresses = (base.guestAddresses ?? []).filter((s) =>
    s === 'agent' ? agent : s === 'host' ? has('VM.Audit') : false,
  );
  // qemu-server `Qemu.pm`: a clone needs VM.Clone, an ISO VM.Config.CDROM, the boot order VM.Config.Disk, cloud-init
  // keys VM.Config.Cloudinit (or VM.Config.Network) and its drive VM.Config.CDROM and VM.Config.Cloudinit.
  const sources = base.sources ?? OPTIONAL_CAPABILITIES_MISSING.sources;
  const cdrom = has('VM.Config.CDROM');
  if (!cdrom) lacking('sources.iso', 'VM.Config.CDROM');
  if (!clone) lacking('sources.template', 'VM.Clone and VM.Allocate');
  const cloudInitPrivileges = cdrom && has('VM.Config.Cloudinit');
  if (!cloudInitPrivileges) lacking('cloudInit.config', 'VM.Config.Cloudinit and VM.Config.CDROM');
  const cloudInit = base.cloudInit ?? OPTIONAL_CAPABILITIES_MISSING.cloudInit;
  const disks = base.disks ?? OPTIONAL_CAPABILITIES_MISSING.disks;
  const nics = base.nics ?? OPTIONAL_CAPABILITIES_MISSING.nics;
  return {
    ...base,
    create,
    update,
    operationList,
    clone: { full: base.clone.full && clone, linked: base.clone.linked && clone },
    snapshots,
    memorySnapshots: base.memorySnapshots && snapshots,
    migration: { offline: base.migration.offline && migrate, live: base.migration.live && migrate },
    suspend: base.suspend && power,
    reset: base.reset && power,
    console: console ? base.console : [],
    consoleStream: console ? (base.consoleStream ?? []) : [],
    metrics,
    guestConfig,
    templates,
    sources: {
      template: sources.template && clone,
      image: sources.image && create,
      iso: sources.iso && create && cdrom,
    },
    bootOrder: base.bootOrder === true && disk,
    cloudInit: {
      config: cloudInit.config && cloudInitPrivileges,
      hostname: cloudInit.hostname && cloudInitPrivileges,
      userData: cloudInit.userData && cloudInitPrivileges,
      userDataVolume: cloudInit.userDataVolume && cloudInitPrivileges,
    },
    guestAddresses,
    disks: {
      add: disks.add && disk,
      remove: disks.remove && disk,
      resize: disks.resize && disk,
      resizeRunning: disks.resizeRunning && disk,
    },
    nics: { add: nics.add && network, remove: nics.remove && network },
    notes,
  };
}
