import { randomUUID } from 'node:crypto';
import type { HttpHandler } from 'msw';
import { Authenticator } from './auth/authenticate.js';
import { PermissionEvaluator } from './auth/permissions.js';
import { TicketAuthority } from './auth/tickets.js';
import { FakeClock } from './clock.js';
import { ConsoleListeners } from './console/console-listeners.js';
import type { FakeEnv } from './fake-env.js';
import { FaultInjector } from './faults.js';
import { type ConnectionStats, listenHttps } from './https-adapter.js';
import { createMswHandlers } from './msw-handlers.js';
import type { PveFakeOptions } from './options.js';
import { Dispatcher, type RequestLogEntry } from './router/dispatch.js';
import type { RouteDef } from './router/route.js';
import { RouteMatcher } from './router/route-matcher.js';
import { allRoutes } from './routes/index.js';
import type { AccessState } from './state/access-state.js';
import type { ClusterState } from './state/cluster-state.js';
import type { PveGuestState } from './state/model.js';
import { RrdSamples } from './state/rrd-samples.js';
import { randomPassword, seedAccess, seedCluster } from './state/seed.js';
import { type TaskFailure, type TaskRecord, TaskRunner } from './state/task-runner.js';
import { generateCertificate } from './tls-certificate.js';

/** Credentials of `root@pam`, who holds every privilege, and of its token `root@pam!hvc` (no privilege separation). */
export interface PveFakeCredentials {
  readonly username: 'root@pam';
  readonly password: string;
  readonly realm: 'pam';
  /** Full token id, `root@pam!hvc`. */
  readonly tokenId: string;
  readonly tokenSecret: string;
}

/** Options of `fake.listen()`. */
export interface ListenOptions {
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Address to bind; default `127.0.0.1`. */
  readonly host?: string;
}

/** The fake served over HTTPS. */
export interface PveFakeServer {
  /** `https://127.0.0.1:<port>`; the API is at `${url}/api2/json`. */
  readonly url: string;
  /** SHA-256 fingerprint of the certificate (`AB:CD:...`), as `pvenode cert info` shows it. */
  readonly fingerprint: string;
  /** PEM of the self-signed certificate, usable as a CA. */
  readonly ca: string;
  readonly connections: ConnectionStats;
  close(): Promise<void>;
}

/** A user to add. */
export interface UserInit {
  /** `user@realm`, e.g. `alice@pve`. */
  readonly userid: string;
  readonly password?: string;
  readonly enable?: boolean;
  /** Epoch seconds; 0 = never. */
  readonly expire?: number;
  readonly groups?: readonly string[];
  /** Require TOTP as second factor: a login then needs `password=totp:<code>` in a second step. */
  readonly totp?: string;
}

/** An ACL entry to add: roles on a path for a user, group or token (full id `user@realm!tokenid`). */
export interface AclInit {
  readonly path: string;
  readonly roles: string | readonly string[];
  readonly user?: string;
  readonly group?: string;
  readonly token?: string;
  /** Inherit to sub-paths (default true). */
  readonly propagate?: boolean;
}

/** A stateful fake of a Proxmox VE cluster's REST API. */
export interface PveFake {
  readonly credentials: PveFakeCredentials;
  /** msw handlers for the configured `baseUrl` (for `setupServer` in-process). */
  readonly handlers: HttpHandler[];
  /** The routing table of the configured PVE version, with each route's parameter schema. */
  readonly routes: readonly RouteDef[];
  readonly faults: FaultInjector;
  readonly clock: FakeClock;
  /** Every request seen (the newest `requestLogLimit` of them): method, path relative to `/api2/json`, fake time, status. */
  readonly requests: readonly RequestLogEntry[];
  /** The cluster state (nodes, storages, pools, guests) — for assertions and direct set-up. */
  readonly cluster: ClusterState;
  /** Users, groups, tokens, roles and ACLs. */
  readonly access: AccessState;
  /** Answers one fetch `Request` (what the handlers and the HTTPS server call). */
  handle(request: Request): Promise<Response>;
  /** Serves the fake over loopback HTTPS with a freshly generated self-signed certificate. */
  listen(options?: ListenOptions): Promise<PveFakeServer>;
  /** Adds a user (no privileges until an ACL grants some). */
  addUser(user: UserInit): void;
  /** Adds an API token; privilege separation is on by default, as on PVE. Returns the full id and the secret. */
  addToken(
    userid: string,
    tokenid: string,
    o?: { privsep?: boolean; expire?: number },
  ): { tokenId: string; secret: string };
  /** Adds a group. */
  addGroup(groupid: string): void;
  /** Defines a custom role. */
  addRole(roleid: string, privileges: readonly string[]): void;
  /** Grants roles on a path. */
  setAcl(acl: AclInit): void;
  /** Takes a node off- or online (requests through an offline node fail with 595). */
  setNodeOnline(node: string, online: boolean): void;
  /**
   * Takes quorum away or gives it back. Without quorum the routes that create, start, clone or migrate guests answer
   * 500 `cluster not ready - no quorum?` before any task, config writes fail as on a read-only `/etc/pve`, and
   * `/cluster/status` says `quorate: 0`; reads keep working.
   */
  setQuorate(quorate: boolean): void;
  /**
   * Runs pvestatd's round now. Otherwise one runs when `/cluster/resources` is read 10 s (fake time) or more after the
   * last: until then a new guest's entry has only `id`, `vmid`, `node`, `type` and `status: 'unknown'`, and a VM paused
   * since shows `running`, as on PVE.
   */
  pvestatdRound(): void;
  /** Makes the next matching task end with an error, or with `WARNINGS: n`. */
  failNextTask(failure?: TaskFailure): void;
  /** Invalidates every ticket and CSRF token issued so far. */
  expireTickets(): void;
  /** A guest by id. */
  guest(vmid: number): PveGuestState | undefined;
  /** A task by UPID. */
  task(upid: string): TaskRecord | undefined;
  /** Resolves when all tasks running now have ended. */
  settleTasks(): Promise<void>;
  /** Ends all running tasks now. */
  finishTasks(): void;
  /** Stops every listening server and cancels running task timers. */
  close(): Promise<void>;
}

/** Creates a PVE fake: `createPveFake({ nodes: 3, guests: { qemu: 200 } })`. */
export function createPveFake(options: PveFakeOptions = {}): PveFake {
  const logLimit = options.requestLogLimit ?? Number.POSITIVE_INFINITY;
  if (!(Number.isInteger(logLimit) || logLimit === Number.POSITIVE_INFINITY) || logLimit < 0)
    throw new RangeError(`requestLogLimit must be a whole number >= 0, not ${options.requestLogLimit}`);
  const pveVersion = options.pveVersion ?? 9;
  const clock = new FakeClock(options.clock);
  const password = options.password ?? randomPassword();
  const tokenSecret = options.tokenSecret ?? randomUUID();
  const cluster = seedCluster(options, clock.nowSeconds());
  const access = seedAccess(options, password, tokenSecret);
  const tickets = new TicketAuthority(clock);
  const durations = options.taskDurationMs ?? 50;
  const durationOf = (type: string): number =>
    typeof durations === 'number' ? durations : (durations[type] ?? durations.default ?? 50);
  const tasks = new TaskRunner(clock, durationOf, (n) => cluster.nodes.get(n)?.bootedAt ?? 0);
  const rrd = new RrdSamples(clock, cluster);
  rrd.round();
  const env: FakeEnv = {
    cluster,
    access,
    tasks,
    rrd,
    perms: new PermissionEvaluator(access, cluster, pveVersion),
    tickets,
    authn: new Authenticator(access, tickets, clock, pveVersion),
    clock,
    consoles: new ConsoleListeners(),
    pveVersion,
    workerStartMs: options.workerStartMs ?? 0,
    haConvergeMs: options.haConvergeMs ?? 500,
    guestAgentStartMs: options.guestAgentStartMs ?? 5000,
    sslFingerprint:
      'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
  };
  const routes = allRoutes().filter((r) => (r.since ?? 8) <= pveVersion);
  const faults = new FaultInjector(options.random);
  const requests: RequestLogEntry[] = [];
  const dispatcher = new Dispatcher(env, new RouteMatcher(routes), faults, requests, logLimit);
  const servers = new Set<PveFakeServer>();

  const user = (userid: string) => {
    const u = access.users.get(userid);
    if (!u) throw new Error(`unknown user ${userid}`);
    return u;
  };

  return {
    credentials: { username: 'root@pam', password, realm: 'pam', tokenId: 'root@pam!hvc', tokenSecret },
    handlers: createMswHandlers(options.baseUrl ?? 'https://pve.test:8006', dispatcher),
    routes,
    faults,
    clock,
    requests,
    cluster,
    access,
    handle: (request) => dispatcher.handle(request),
    async listen(o = {}) {
      const host = o.host ?? '127.0.0.1';
      const certificate = await generateCertificate(host);
      const adapter = await listenHttps(
        certificate,
        host,
        o.port ?? 0,
        (origin) => createMswHandlers(origin, dispatcher),
        (port) => env.consoles.accept(port),
      );
      env.sslFingerprint = certificate.fingerprint;
      const server: PveFakeServer = {
        url: adapter.origin,
        fingerprint: certificate.fingerprint,
        ca: certificate.cert,
        connections: adapter.connections,
        close: async () => {
          servers.delete(server);
          await adapter.close();
        },
      };
      servers.add(server);
      return server;
    },
    addUser(u) {
      access.users.set(u.userid, {
        userid: u.userid,
        password: u.password,
        enable: u.enable ?? true,
        expire: u.expire ?? 0,
        groups: new Set(u.groups ?? []),
        tokens: new Map(),
        totp: u.totp,
      });
      for (const g of u.groups ?? []) if (!access.groups.has(g)) access.groups.set(g, {});
    },
    addToken(userid, tokenid, o = {}) {
      const secret = randomUUID();
      user(userid).tokens.set(tokenid, {
        tokenid,
        secret,
        privsep: o.privsep ?? true,
        expire: o.expire ?? 0,
      });
      return { tokenId: `${userid}!${tokenid}`, secret };
    },
    addGroup(groupid) {
      access.groups.set(groupid, {});
    },
    addRole(roleid, privileges) {
      access.roles.set(roleid, new Set(privileges));
    },
    setAcl(acl) {
      const subject = acl.user
        ? { type: 'user' as const, ugid: acl.user }
        : acl.group
          ? { type: 'group' as const, ugid: acl.group }
          : acl.token
            ? { type: 'token' as const, ugid: acl.token }
            : undefined;
      if (!subject) throw new Error('setAcl needs a user, group or token');
      for (const roleid of typeof acl.roles === 'string' ? [acl.roles] : acl.roles) {
        if (!access.roles.has(roleid)) throw new Error(`unknown role ${roleid}`);
        access.setAcl({ path: acl.path, roleid, ...subject, propagate: acl.propagate ?? true });
      }
    },
    setNodeOnline(node, online) {
      const n = cluster.nodes.get(node);
      if (!n) throw new Error(`unknown node ${node}`);
      n.online = online;
    },
    setQuorate(quorate) {
      cluster.quorate = quorate;
    },
    pvestatdRound: () => rrd.round(),
    failNextTask: (failure = {}) => tasks.failNext(failure),
    expireTickets: () => tickets.expireAll(),
    guest: (vmid) => cluster.guests.get(vmid),
    task: (upid) => tasks.tasks.get(upid),
    settleTasks: () => tasks.settle(),
    finishTasks: () => tasks.finishAll(),
    async close() {
      tasks.dispose();
      await Promise.all([...servers].map((s) => s.close()));
    },
  };
}
