import type { RemoteProcedureTypes } from '../protocol/generated/remote-procedures.gen.js';

/** libvirt's domain event ids (`virDomainEventID` in `libvirt-domain.h`, 9.0.0). */
export const DomainEventId = {
  LIFECYCLE: 0,
  REBOOT: 1,
  RTC_CHANGE: 2,
  WATCHDOG: 3,
  IO_ERROR: 4,
  GRAPHICS: 5,
  IO_ERROR_REASON: 6,
  CONTROL_ERROR: 7,
  BLOCK_JOB: 8,
  DISK_CHANGE: 9,
  TRAY_CHANGE: 10,
  PMWAKEUP: 11,
  PMSUSPEND: 12,
  BALLOON_CHANGE: 13,
  PMSUSPEND_DISK: 14,
  DEVICE_REMOVED: 15,
  BLOCK_JOB_2: 16,
  TUNABLE: 17,
  AGENT_LIFECYCLE: 18,
  DEVICE_ADDED: 19,
  MIGRATION_ITERATION: 20,
  JOB_COMPLETED: 21,
  DEVICE_REMOVAL_FAILED: 22,
  METADATA_CHANGE: 23,
  BLOCK_THRESHOLD: 24,
  MEMORY_FAILURE: 25,
  MEMORY_DEVICE_SIZE_CHANGE: 26,
} as const;

/** A value of {@link DomainEventId}. */
export type DomainEventId = (typeof DomainEventId)[keyof typeof DomainEventId];

/**
 * The procedure whose MESSAGE carries each event to a callback registered with
 * `CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY` (the daemon's `remoteRelayDomainEvent*` in 9.0.0): the
 * `*_CALLBACK_*` procedures, and the later events that were born with a callback id.
 */
export const DOMAIN_EVENT_PROCEDURES = {
  0: 318,
  1: 319,
  2: 320,
  3: 321,
  4: 322,
  5: 323,
  6: 324,
  7: 325,
  8: 326,
  9: 327,
  10: 328,
  11: 329,
  12: 330,
  13: 331,
  14: 332,
  15: 333,
  16: 339,
  17: 346,
  18: 348,
  19: 354,
  20: 359,
  21: 363,
  22: 367,
  23: 379,
  24: 385,
  25: 423,
  26: 438,
} as const satisfies Record<DomainEventId, keyof RemoteProcedureTypes>;

/** The decoded message of domain event `E`, e.g. `{ callbackID, msg: { dom, event, detail } }` for LIFECYCLE. */
export type DomainEventMessage<E extends DomainEventId> =
  RemoteProcedureTypes[(typeof DOMAIN_EVENT_PROCEDURES)[E]]['msg'];

/** libvirt's lifecycle event types (`virDomainEventType`), the `event` of a LIFECYCLE message. */
export const DomainLifecycleEvent = {
  DEFINED: 0,
  UNDEFINED: 1,
  STARTED: 2,
  SUSPENDED: 3,
  RESUMED: 4,
  STOPPED: 5,
  SHUTDOWN: 6,
  PMSUSPENDED: 7,
  CRASHED: 8,
} as const;
