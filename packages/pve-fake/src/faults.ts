import { PveError } from './pve-error.js';

/** A fault to inject into matching requests. */
export interface FaultSpec {
  /** HTTP method to match; any when absent. */
  readonly method?: string;
  /**
   * Path relative to `/api2/json` to match: a RegExp, or a string matched exactly where `{name}`
   * placeholders match one segment (`/nodes/{node}/qemu/{vmid}/status/start`). Any path when absent.
   */
  readonly path?: string | RegExp;
  /** Delay before the request is handled (or before the fault below is applied). */
  readonly latencyMs?: number;
  /** Answer with this status instead of handling the request: 500 from the handler, 59x from the proxy. */
  readonly status?: 500 | 595 | 596 | 597 | 599;
  /**
   * With a 596, 597 or 599 `status`: handle the request first — the write reaches PVE and takes effect, a task starts —
   * and answer the 59x after. pveproxy forwards protected and per-node calls with `timeout => 30` and passes the
   * pseudo-status of a hop that broke after the request was sent straight to the client (pve-http-server
   * `src/PVE/APIServer/AnyEvent.pm` `proxy_request`). 595 (connection not made) never applies.
   */
  readonly applied?: boolean;
  /** Reason phrase for `status` (defaults: `internal error`, `Connection refused`, `Connection reset by peer` ...). */
  readonly message?: string;
  /** Fraction of matching requests affected, 0..1 (default 1). */
  readonly rate?: number;
  /** Reset the connection without an answer. */
  readonly reset?: boolean;
  /** Never answer; the request ends only when the client gives up. */
  readonly hang?: boolean;
  /** Invalidate all tickets before handling the request (as if they had expired). */
  readonly expireTickets?: boolean;
  /** How many matching requests to affect; unlimited when absent. */
  readonly times?: number;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  500: 'internal error',
  595: 'Connection refused',
  596: 'Connection reset by peer',
  597: 'Body incomplete',
  599: 'Too many redirections',
};

/** What to do with one request. */
export interface FaultAction {
  readonly latencyMs: number;
  readonly error?: PveError;
  /** Handle the request before answering with `error`. */
  readonly applied: boolean;
  readonly reset: boolean;
  readonly hang: boolean;
  readonly expireTickets: boolean;
}

interface Entry {
  readonly id: number;
  readonly spec: FaultSpec;
  readonly matcher: (method: string, path: string) => boolean;
  remaining: number;
}

function pathMatcher(path: string | RegExp | undefined): (p: string) => boolean {
  if (path === undefined) return () => true;
  if (path instanceof RegExp) return (p) => path.test(p);
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}/]+\\?\}/g, '[^/]+');
  const re = new RegExp(`^${escaped}/?$`);
  return (p) => re.test(p);
}

/** Holds injected faults, per route or global, and decides which applies to a request. */
export class FaultInjector {
  readonly #entries: Entry[] = [];
  #nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  /** Adds a fault; returns its id for `remove`. */
  add(spec: FaultSpec): number {
    const id = this.#nextId++;
    const matchPath = pathMatcher(spec.path);
    const method = spec.method?.toUpperCase();
    this.#entries.push({
      id,
      spec,
      matcher: (m, p) => (method === undefined || method === m) && matchPath(p),
      remaining: spec.times ?? Number.POSITIVE_INFINITY,
    });
    return id;
  }

  /** Removes one fault. */
  remove(id: number): void {
    const i = this.#entries.findIndex((e) => e.id === id);
    if (i >= 0) this.#entries.splice(i, 1);
  }

  /** Removes all faults. */
  clear(): void {
    this.#entries.length = 0;
  }

  /** The number of active faults. */
  get size(): number {
    return this.#entries.length;
  }

  /** The fault for a request (the first matching one that fires), if any. */
  pick(method: string, relPath: string): FaultAction | undefined {
    for (const e of this.#entries) {
      if (!e.matcher(method, relPath)) continue;
      if (e.spec.rate !== undefined && this.random() >= e.spec.rate) continue;
      e.remaining--;
      if (e.remaining <= 0) this.remove(e.id);
      const s = e.spec;
      const status = s.status;
      return {
        latencyMs: s.latencyMs ?? 0,
        reset: !!s.reset,
        hang: !!s.hang,
        expireTickets: !!s.expireTickets,
        applied: !!s.applied && status !== undefined && status !== 595 && status !== 500,
        error:
          status === undefined
            ? undefined
            : new PveError(
                status,
                s.message ?? DEFAULT_MESSAGES[status] ?? 'error',
                status === 500 ? 'handler' : 'proxy',
              ),
      };
    }
    return undefined;
  }
}
