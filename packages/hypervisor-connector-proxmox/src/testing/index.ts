/**
 * A stateful fake of the Proxmox VE REST API for tests: in-process through msw handlers, or over a
 * real loopback HTTPS socket (`fake.listen()`), or as the `hvc-pve-fake` command. See TESTING.md.
 */
export type { Clock } from './clock.js';
export { FakeClock } from './clock.js';
export type {
  AclInit,
  ListenOptions,
  PveFake,
  PveFakeCredentials,
  PveFakeServer,
  UserInit,
} from './fake.js';
export { createPveFake } from './fake.js';
export type { FaultSpec } from './faults.js';
export { FaultInjector } from './faults.js';
export type { ConnectionStats } from './https-adapter.js';
export type { GuestSeed, PveFakeOptions, StorageSeed } from './options.js';
export type { ParamSpec, ParamSpecs } from './params/param-spec.js';
export type { RequestLogEntry } from './router/dispatch.js';
export type { HttpMethod, RouteDef } from './router/route.js';
export type { GuestState, GuestType, SnapshotState } from './state/model.js';
export { DEFAULT_ISO, DEFAULT_OSTEMPLATE } from './state/seed.js';
export type { TaskFailure, TaskRecord } from './state/task-runner.js';
export { encodeUpid, parseUpid, UPID_PATTERN, type UpidFields } from './upid.js';
