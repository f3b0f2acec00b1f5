import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { GuestFleet } from './guest-fleet.js';
import { type RouteKind, RouteTable } from './route-table.js';
import { type TaskPollStats, TaskRegistry } from './task-registry.js';

/** What the responder counted since its last reset. */
export interface ResponderStats {
  readonly requests: number;
  readonly byKind: Readonly<Record<RouteKind, number>>;
  /** TCP connections accepted. */
  readonly socketsOpened: number;
  /** Most requests in flight at the same time. */
  readonly maxInFlight: number;
  /** Requests without a valid API token header. */
  readonly unauthenticated: number;
  /** A few of the request lines that matched no route, to spot what a client asks that the responder lacks. */
  readonly unknownRequests: readonly string[];
  readonly tasks: TaskPollStats;
  /** CPU time the responder process used, ms (user + system). */
  readonly cpuMs: number;
  /** Wall time since the last reset, ms. */
  readonly wallMs: number;
}

/** Where the responder listens and which credentials it accepts. */
export interface ResponderOptions {
  readonly fleet: GuestFleet;
  readonly taskDurationMs: number;
  readonly key: string;
  readonly cert: string;
  /** The full `Authorization` header value clients must send. */
  readonly authorization: string;
}

const emptyKinds = (): Record<RouteKind, number> => ({
  'guest-status': 0,
  'guest-list': 0,
  cluster: 0,
  action: 0,
  'task-status': 0,
  'task-log': 0,
  'task-list': 0,
  unknown: 0,
});

/**
 * A lean loopback PVE API over HTTPS with keep-alive: precomputed bodies, one `Map` lookup per request, counters
 * of requests, sockets, concurrency and task polls.
 */
export class ResponderServer {
  private readonly tasks: TaskRegistry;
  private readonly routes: RouteTable;
  private readonly server: Server;
  private counters = this.freshCounters();

  constructor(private readonly options: ResponderOptions) {
    this.tasks = new TaskRegistry(options.taskDurationMs);
    this.routes = new RouteTable(options.fleet, this.tasks);
    this.server = createServer(
      { key: options.key, cert: options.cert, keepAlive: true, noDelay: true },
      (req, res) => {
        const c = this.counters;
        c.requests++;
        c.inFlight++;
        if (c.inFlight > c.maxInFlight) c.maxInFlight = c.inFlight;
        res.on('finish', () => {
          this.counters.inFlight--;
        });
        if (req.headers.authorization !== this.options.authorization) {
          c.unauthenticated++;
          res.writeHead(401, 'authentication failure', { 'content-length': 0 });
          res.end();
          return;
        }
        const answer = this.routes.answer(req.method ?? 'GET', req.url ?? '/', performance.now());
        c.byKind[answer.kind]++;
        if (answer.kind === 'unknown' && c.unknownRequests.size < 20)
          c.unknownRequests.add(`${req.method} ${req.url}`);
        // POST bodies are small form bodies the responder does not need; drain them so the socket stays reusable.
        if (req.method !== 'GET') req.resume();
        res.writeHead(answer.status, answer.reason ?? 'OK', [
          'content-type',
          'application/json;charset=UTF-8',
          'content-length',
          String(answer.body.length),
          'cache-control',
          'max-age=0',
          'server',
          'pve-api-daemon/3.0',
        ]);
        res.end(answer.body);
      },
    );
    this.server.keepAliveTimeout = 120_000;
    this.server.headersTimeout = 130_000;
    this.server.requestTimeout = 0;
    this.server.on('connection', () => {
      this.counters.socketsOpened++;
    });
  }

  private freshCounters() {
    return {
      requests: 0,
      byKind: emptyKinds(),
      socketsOpened: 0,
      inFlight: 0,
      maxInFlight: 0,
      unauthenticated: 0,
      unknownRequests: new Set<string>(),
      cpu: process.cpuUsage(),
      startedAt: performance.now(),
    };
  }

  /** Starts listening on 127.0.0.1 and resolves with the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Counters since the last reset. */
  stats(): ResponderStats {
    const c = this.counters;
    const cpu = process.cpuUsage(c.cpu);
    return {
      requests: c.requests,
      byKind: { ...c.byKind },
      socketsOpened: c.socketsOpened,
      maxInFlight: c.maxInFlight,
      unauthenticated: c.unauthenticated,
      unknownRequests: [...c.unknownRequests],
      tasks: this.tasks.stats(),
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: performance.now() - c.startedAt,
    };
  }

  /** Zeroes the counters and forgets tasks; in-flight requests keep being counted down correctly. */
  reset(): void {
    const inFlight = this.counters.inFlight;
    this.counters = this.freshCounters();
    this.counters.inFlight = inFlight;
    this.tasks.reset();
  }

  /** Stops accepting and closes every socket. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
