/**
 * A stateful fake of the Proxmox VE REST API for tests: in-process through msw handlers, over a real loopback HTTPS
 * socket (`fake.listen()`), or as the `hvc-pve-fake` command. See the README and TESTING.md.
 *
 * @packageDocumentation
 */
export type { FakeClock, TimeSource } from './clock.js';
export {
  type AclInit,
  createPveFake,
  type ListenOptions,
  type PveFake,
  type PveFakeCredentials,
  type PveFakeServer,
  type UserInit,
} from './fake.js';
export type { FaultInjector, FaultSpec } from './faults.js';
export type { ConnectionStats } from './https-adapter.js';
export type { GuestSeed, PveFakeOptions, StorageSeed } from './options.js';
export type { ParamSpec, ParamSpecs } from './params/param-spec.js';
export type { RequestLogEntry } from './router/dispatch.js';
export type { HttpMethod, RouteDef } from './router/route.js';
export type { PveGuestState, PveGuestType, QmpStatus, SnapshotState } from './state/model.js';
export { DEFAULT_ISO, DEFAULT_OSTEMPLATE } from './state/seed.js';
export type { TaskFailure, TaskRecord } from './state/task-runner.js';
export { type FakeCertificate, generateCertificate } from './tls-certificate.js';
