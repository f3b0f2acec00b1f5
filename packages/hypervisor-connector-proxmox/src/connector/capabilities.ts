import type { Capabilities } from '@hvc/hypervisor-connector';

const TOKEN_CONSOLE_NOTE =
  'API tokens cannot open the vncwebsocket/termproxy websocket (PVE requires a ticket there); use password ' +
  'credentials for VNC and terminal consoles';

/** What the Proxmox connector supports at all. */
export const PROXMOX_CAPABILITIES: Capabilities = Object.freeze({
  guestTypes: ['vm', 'container'],
  create: true,
  update: true,
  clone: { full: true, linked: true },
  snapshots: true,
  memorySnapshots: true,
  migration: { offline: true, live: true },
  suspend: true,
  reset: true,
  console: ['vnc', 'spice', 'terminal'],
  metrics: true,
  cancelOperation: true,
  notes: {
    reset: 'VMs only: containers have no reset',
    memorySnapshots: 'VMs only',
    'migration.live': 'VMs only: running containers move by restart migration',
    'clone.linked': 'from templates only',
    'console.spice': 'VMs with a SPICE display only',
  },
}) as Capabilities;

/** The capabilities for one auth mode: API tokens cannot open VNC or terminal consoles. */
export function capabilitiesForAuth(kind: 'token' | 'ticket'): Capabilities {
  if (kind === 'ticket') return PROXMOX_CAPABILITIES;
  return {
    ...PROXMOX_CAPABILITIES,
    console: ['spice'],
    notes: {
      ...PROXMOX_CAPABILITIES.notes,
      console: TOKEN_CONSOLE_NOTE,
      'console.vnc': TOKEN_CONSOLE_NOTE,
      'console.terminal': TOKEN_CONSOLE_NOTE,
    },
  };
}

/** Narrows capabilities to what a credential's privileges (the union over every ACL path) allow. */
export function refineCapabilities(base: Capabilities, privileges: ReadonlySet<string>): Capabilities {
  const has = (privilege: string) => privileges.has(privilege);
  const notes: Record<string, string> = { ...base.notes };
  const lacking = (name: string, privilege: string) => {
    notes[name] = `this credential lacks ${privilege}`;
  };
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
  const metrics = base.metrics && has('VM.Audit');
  if (!metrics) lacking('metrics', 'VM.Audit');
  return {
    ...base,
    create,
    update,
    clone: { full: base.clone.full && clone, linked: base.clone.linked && clone },
    snapshots,
    memorySnapshots: base.memorySnapshots && snapshots,
    migration: { offline: base.migration.offline && migrate, live: base.migration.live && migrate },
    suspend: base.suspend && power,
    reset: base.reset && power,
    console: console ? base.console : [],
    metrics,
    notes,
  };
}
