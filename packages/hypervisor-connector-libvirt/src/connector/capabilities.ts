import {
  type Capabilities,
  FULL_CAPABILITIES,
  OPTIONAL_CAPABILITIES_MISSING,
} from '@hvc/hypervisor-connector';
import type { LibvirtConfig } from '../config/libvirt-config.js';

/**
 * What the libvirt connector supports at all (QEMU driver): VMs only (no containers), create and update, full and
 * linked clones, internal snapshots with memory, live and offline migration, suspend, reset, VNC and the serial
 * terminal, metrics, VMs from images, templates and ISOs with a boot order and a NoCloud cloud-init seed, device
 * changes, templates, guest configs and addresses (lease, agent, ARP), and cancelling operations (a migration aborts libvirt's job; a start or shutdown this process
 * runs is undone or given up).
 */
export const LIBVIRT_CAPABILITIES: Capabilities = {
  ...FULL_CAPABILITIES,
  ...OPTIONAL_CAPABILITIES_MISSING,
  inventory: FULL_CAPABILITIES.inventory,
  watch: true,
  operationList: true,
  sources: { template: true, image: true, iso: true },
  bootOrder: true,
  cloudInit: { config: true, hostname: true, userData: true, userDataVolume: false },
  templates: true,
  disks: { add: true, remove: true, resize: true, resizeRunning: true },
  nics: { add: true, remove: true },
  guestConfig: true,
  guestAddresses: ['lease', 'agent', 'arp'],
  guestTypes: ['vm'],
  console: ['vnc', 'terminal'],
  consoleStream: ['vnc'],
  notes: {
    'disks.remove': 'from a stopped guest: a live detach ends only when the guest lets the disk go',
    'nics.remove': 'from a stopped guest: a live detach ends only when the guest lets the NIC go',
    'guestAddresses.lease': 'NICs on libvirt networks with DHCP (dnsmasq) only',
    'guestAddresses.agent': 'needs the guest agent channel (guestAgent) and qemu-guest-agent in the guest',
    'cloudInit.userDataVolume':
      'the NoCloud seed is built by the connector: pass the user-data inline (cloudInit.userData)',
    'inventory.networks': 'libvirt virtual networks; host bridges are not listed',
    operationList:
      'the operations this connector process started and still remembers: libvirt keeps no task list',
    'guestTypes.container': 'the QEMU driver runs virtual machines only',
    'console.spice': 'guests are made with VNC graphics; SPICE tickets are not offered',
    cancelOperation:
      'a migration is aborted (DOMAIN_ABORT_JOB) from any process; a start is undone and a shutdown given up by ' +
      'the process that runs it; other operations end on their own in seconds and cannot be cancelled',
  },
};

/** What a read-only connection cannot do: every write. */
const WRITES = [
  'create',
  'update',
  'clone.full',
  'clone.linked',
  'snapshots',
  'memorySnapshots',
  'migration.live',
  'migration.offline',
  'suspend',
  'reset',
  'cancelOperation',
  'sources.template',
  'sources.image',
  'sources.iso',
  'bootOrder',
  'templates',
  'disks.add',
  'disks.remove',
  'disks.resize',
  'disks.resizeRunning',
  'nics.add',
  'nics.remove',
  'cloudInit.config',
  'cloudInit.hostname',
  'cloudInit.userData',
] as const;

/**
 * The capabilities of one target: a read-only target keeps reads, metrics and waits (no writes, no consoles); a
 * target of one host cannot migrate. Known from the config alone, so the capability gate never waits for a host.
 */
export function targetCapabilities(config: LibvirtConfig): Capabilities {
  const notes: Record<string, string> = { ...LIBVIRT_CAPABILITIES.notes };
  let capabilities: Capabilities = LIBVIRT_CAPABILITIES;
  if (config.hosts.length < 2) {
    notes['migration.live'] = notes['migration.offline'] =
      'the target has one host: there is nowhere to migrate to';
    capabilities = { ...capabilities, migration: { offline: false, live: false } };
  }
  if (config.readOnly) {
    const why = 'the target is opened read-only';
    for (const name of WRITES) notes[name] = why;
    notes['console.vnc'] = `${why}: a one-time VNC password cannot be set`;
    notes['console.terminal'] = `${why}: libvirt opens consoles on read-write connections only`;
    notes['consoleStream.vnc'] = `${why}: a one-time VNC password cannot be set`;
    capabilities = {
      ...capabilities,
      create: false,
      update: false,
      clone: { full: false, linked: false },
      snapshots: false,
      memorySnapshots: false,
      migration: { offline: false, live: false },
      suspend: false,
      reset: false,
      console: [],
      consoleStream: [],
      cancelOperation: false,
      sources: { template: false, image: false, iso: false },
      bootOrder: false,
      templates: false,
      disks: { add: false, remove: false, resize: false, resizeRunning: false },
      nics: { add: false, remove: false },
      cloudInit: { config: false, hostname: false, userData: false, userDataVolume: false },
    };
  }
  return { ...capabilities, notes };
}
