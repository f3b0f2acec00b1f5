/** The console protocols of the contract: graphical VNC or SPICE, or a text terminal. */
export const CONSOLE_PROTOCOLS = ['vnc', 'spice', 'terminal'] as const;

/** One of {@link CONSOLE_PROTOCOLS}. */
export type ConsoleProtocol = (typeof CONSOLE_PROTOCOLS)[number];

/**
 * What a client needs to open a guest's console. `ticket` and `password` are secrets: hand them to the one client
 * that opens the console and never log them.
 */
export interface ConsoleTicket {
  readonly protocol: ConsoleProtocol;
  readonly guestId: string;
  readonly node: string;
  /** The one-time ticket (secret). */
  readonly ticket: string;
  /** A one-time password for the console itself, where the protocol has one (secret). */
  readonly password?: string;
  /** The port the hypervisor opened for this console, when it opens one. */
  readonly port?: number;
  /** A WebSocket URL to connect to, when the hypervisor offers one (without the ticket). */
  readonly websocketUrl?: string;
  /** The user the ticket was made for. */
  readonly user?: string;
  /** When the ticket stops working, ISO 8601, when known. */
  readonly expiresAt?: string;
  /** The hypervisor's record, with secrets removed. */
  readonly raw: Readonly<Record<string, unknown>>;
}
