import type { Duplex } from 'node:stream';

/** What a console proxy does with the one connection it accepts: pveproxy's websocket, already upgraded. */
export type ConsoleSession = (websocket: Duplex) => void;

/**
 * The local ports console proxies listen on. qemu-server `src/PVE/API2/Qemu.pm` `vncproxy` listens on its port and
 * `accept`s exactly one connection within `$timeout` (10 s), then closes the listener; vncterm and termproxy
 * (pve-container `src/PVE/API2/LXC.pm`) take one client the same way. pveproxy connects there only once the
 * `vncwebsocket` call itself succeeded (pve-http-server `src/PVE/APIServer/AnyEvent.pm` `websocket_proxy`:
 * `tcp_connect 'localhost', $port`), and a failed connect drops the client's connection without an answer: the
 * 101 is written only in the connect callback.
 */
export class ConsoleListeners {
  readonly #byPort = new Map<number, ConsoleSession>();

  /** A proxy starts listening on `port` (replacing whatever listened there). */
  listen(port: number, session: ConsoleSession): void {
    this.#byPort.set(port, session);
  }

  /** pveproxy connects to `port`: the listener's session, which stops listening, or `undefined` (refused). */
  accept(port: number): ConsoleSession | undefined {
    const session = this.#byPort.get(port);
    this.#byPort.delete(port);
    return session;
  }

  /** The proxy of `session` ended (its task finished): it no longer listens. */
  close(port: number, session: ConsoleSession): void {
    if (this.#byPort.get(port) === session) this.#byPort.delete(port);
  }
}
