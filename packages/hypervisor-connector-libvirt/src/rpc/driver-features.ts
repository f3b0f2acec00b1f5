/**
 * Driver features a client asks about with `CONNECT_SUPPORTS_FEATURE` (`virDrvFeature` in libvirt's
 * `src/libvirt_internal.h`, 9.0.0): they are not in the `.x` files.
 */
export const DriverFeature = {
  /** The daemon takes part in the keepalive protocol. */
  PROGRAM_KEEPALIVE: 10,
  /** `*_PARAMS` migration procedures. */
  MIGRATION_PARAMS: 13,
  /** Event registration with server-side callback ids (`CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY`). */
  REMOTE_EVENT_CALLBACK: 14,
  /** `CONNECT_REGISTER_CLOSE_CALLBACK`. */
  REMOTE_CLOSE_CALLBACK: 15,
} as const;
