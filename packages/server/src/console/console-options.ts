import type { Clock } from '@hvc/hypervisor-connector-kit';

/** How the console proxy behaves. */
export interface ConsoleProxyOptions {
  /** How long a minted ticket may wait for its WebSocket, ms (default 60 s). */
  readonly ticketTtlMs?: number;
  /** A console with no byte in either direction for this long is closed, ms (default 15 min). */
  readonly idleTimeoutMs?: number;
  /** A console open this long is closed, however busy, ms (default 8 h). */
  readonly maxSessionMs?: number;
  /**
   * Consoles this replica proxies at once, all organisations together (default 256). Past it OpenConsole answers
   * RESOURCE_EXHAUSTED and an upgrade gets 503, its ticket left usable until it expires.
   */
  readonly maxSessions?: number;
  /**
   * Consoles one organisation may have open at once through this replica (default 16); the same refusals. Each
   * replica counts its own sessions: behind a load balancer an organisation may hold this many per replica.
   */
  readonly maxSessionsPerOrganization?: number;
  /**
   * The base of console URLs as browsers reach this server (`wss://hvc.example.com`). Default: the scheme and
   * host of the OpenConsole request (`http` becomes `ws`, `https` becomes `wss`).
   */
  readonly publicUrl?: string;
  /** The clock of ticket lifetimes, idle timeouts and session lengths (default the system clock). */
  readonly clock?: Clock;
  /**
   * Origins (`https://portal.example.com`) whose pages may open consoles; an upgrade with another `Origin`
   * header gets 403 before its ticket is looked at. Default: any origin (the ticket alone authorises).
   */
  readonly allowedOrigins?: readonly string[];
  /** This replica's name, recorded on the tickets it consumes (default a random one). */
  readonly replicaId?: string;
}

/** The path prefix of console WebSockets: `/v1/console/<organization>/<target>/<guest>?ticket=…`. */
export const CONSOLE_PATH_PREFIX = '/v1/console/';

/** The WebSocket subprotocol of the byte stream (noVNC asks for `binary`). */
export const CONSOLE_SUBPROTOCOL = 'binary';

/**
 * WebSocket close codes (private range 4000–4999) and reasons the proxy ends a console with, so a viewer can tell
 * the user why it ended. A side closing or failing gives 1000 or 1011.
 */
export const CONSOLE_CLOSE = {
  idle: { code: 4000, reason: 'console idle timeout' },
  maxSession: { code: 4001, reason: 'console session length limit reached' },
} as const;
