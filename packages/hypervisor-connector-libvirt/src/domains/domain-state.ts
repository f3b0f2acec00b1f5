import type { GuestState } from '@hvc/hypervisor-connector';

/** libvirt's domain states (`virDomainState`, libvirt 9.0.0). */
export const DomainState = {
  NOSTATE: 0,
  RUNNING: 1,
  BLOCKED: 2,
  PAUSED: 3,
  SHUTDOWN: 4,
  SHUTOFF: 5,
  CRASHED: 6,
  PMSUSPENDED: 7,
} as const;

const STATE_NAMES = [
  'nostate',
  'running',
  'blocked',
  'paused',
  'shutdown',
  'shutoff',
  'crashed',
  'pmsuspended',
];

/** The reasons of each state (`virDomain*Reason`), by state, in libvirt's order. */
const REASON_NAMES: Readonly<Record<number, readonly string[]>> = {
  [DomainState.RUNNING]: [
    'unknown',
    'booted',
    'migrated',
    'restored',
    'from-snapshot',
    'unpaused',
    'migration-canceled',
    'save-canceled',
    'wakeup',
    'crashed',
    'postcopy',
    'postcopy-failed',
  ],
  [DomainState.PAUSED]: [
    'unknown',
    'user',
    'migration',
    'save',
    'dump',
    'ioerror',
    'watchdog',
    'from-snapshot',
    'shutting-down',
    'snapshot',
    'crashed',
    'starting-up',
    'postcopy',
    'postcopy-failed',
    'api-error',
  ],
  [DomainState.SHUTDOWN]: ['unknown', 'user'],
  [DomainState.SHUTOFF]: [
    'unknown',
    'shutdown',
    'destroyed',
    'crashed',
    'migrated',
    'saved',
    'failed',
    'from-snapshot',
    'daemon',
  ],
  [DomainState.CRASHED]: ['unknown', 'panicked'],
};

/**
 * Pauses libvirt makes for a job of its own, which the guest leaves by itself: the guest counts as running, and
 * the job is its lock.
 */
const JOB_PAUSES: Readonly<Record<string, string>> = {
  migration: 'migrate',
  postcopy: 'migrate',
  snapshot: 'snapshot',
  save: 'save',
  dump: 'dump',
  'starting-up': 'start',
};

/** A domain's state as libvirt reports it, and what the contract makes of it. */
export interface MappedDomainState {
  readonly state: GuestState;
  /** The job that holds the domain now, as libvirt's state shows it (`migrate`, `snapshot`, `shutdown`, ...). */
  readonly lock?: string;
  /** libvirt's state and reason, by name (`paused`, `user`). */
  readonly libvirtState: string;
  readonly libvirtReason: string;
}

/**
 * Maps libvirt's state and reason onto the contract: running and blocked are `running`; paused is `paused`
 * unless libvirt paused the guest for a job of its own (migration, snapshot, save, dump, start-up), which keeps it
 * `running` with the job as its lock; being shut down is `running` locked by `shutdown`; shut off is `stopped`;
 * pmsuspended (the guest slept, S3) is `suspended`; crashed (kept by `on_crash=preserve`) and nostate are
 * `unknown`. A postcopy migration on the source side counts as a migration lock too.
 */
export function mapDomainState(state: number, reason: number): MappedDomainState {
  const libvirtState = STATE_NAMES[state] ?? `state-${state}`;
  const libvirtReason = REASON_NAMES[state]?.[reason] ?? (reason === 0 ? 'unknown' : `reason-${reason}`);
  const names = { libvirtState, libvirtReason };
  switch (state) {
    case DomainState.RUNNING:
      return libvirtReason === 'postcopy'
        ? { state: 'running', lock: 'migrate', ...names }
        : { state: 'running', ...names };
    case DomainState.BLOCKED:
      return { state: 'running', ...names };
    case DomainState.PAUSED: {
      const job = JOB_PAUSES[libvirtReason];
      return job === undefined ? { state: 'paused', ...names } : { state: 'running', lock: job, ...names };
    }
    case DomainState.SHUTDOWN:
      return { state: 'running', lock: 'shutdown', ...names };
    case DomainState.SHUTOFF:
      return { state: 'stopped', ...names };
    case DomainState.PMSUSPENDED:
      return { state: 'suspended', ...names };
    default:
      return { state: 'unknown', ...names };
  }
}

/** Whether libvirt counts a domain in `state` as active (a QEMU process exists). */
export function isActiveState(state: number): boolean {
  return state !== DomainState.SHUTOFF && state !== DomainState.NOSTATE;
}
