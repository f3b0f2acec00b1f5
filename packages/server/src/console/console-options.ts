import type { Clock } from '@hvc/hypervisor-connector-kit';

/** How the console proxy behaves. */
export interface ConsoleProxyOptions {
  /** How long a minted ticket may wait for its WebSocket, ms (default 60 s). */
  readonly ticketTtlMs?: number;
  /** A console with no byte in either direction for this long is closed, ms (default 15 min). */
  readonly idleTimeoutMs?: number;
  /**
   * The base of console URLs as browsers reach this server (`wss://hvc.example.com`). Default: the scheme and
   * host of the OpenConsole request (`http` becomes `ws`, `https` becomes `wss`).
   */
  readonly publicUrl?: string;
  /** The clock of ticket lifetimes (default the system clock). */
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
