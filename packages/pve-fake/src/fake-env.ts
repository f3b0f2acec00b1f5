import type { Authenticator } from './auth/authenticate.js';
import type { PermissionEvaluator } from './auth/permissions.js';
import type { TicketAuthority } from './auth/tickets.js';
import type { FakeClock } from './clock.js';
import type { ConsoleListeners } from './console/console-listeners.js';
import type { AccessState } from './state/access-state.js';
import type { ClusterState } from './state/cluster-state.js';
import type { RrdSamples } from './state/rrd-samples.js';
import type { TaskRunner } from './state/task-runner.js';

/** Everything the route handlers work on. */
export interface FakeEnv {
  readonly cluster: ClusterState;
  readonly access: AccessState;
  readonly tasks: TaskRunner;
  /** What pvestatd last recorded per guest (`/cluster/resources` reads it). */
  readonly rrd: RrdSamples;
  readonly perms: PermissionEvaluator;
  readonly tickets: TicketAuthority;
  readonly authn: Authenticator;
  readonly clock: FakeClock;
  /** The ports console proxies listen on, for pveproxy's console websockets. */
  readonly consoles: ConsoleListeners;
  readonly pveVersion: 8 | 9;
  /** Delay of a QEMU clone's worker start (`options.workerStartMs`). */
  readonly workerStartMs: number;
  /** How long the HA manager takes to carry out a request (`options.haConvergeMs`). */
  readonly haConvergeMs: number;
  /** How long after a VM's start its guest agent answers (`options.guestAgentStartMs`). */
  readonly guestAgentStartMs: number;
  /** SHA-256 fingerprint the nodes report as `ssl_fingerprint` (the served certificate's once listening). */
  sslFingerprint: string;
}
