import type { ConsoleProtocol } from './console-ticket.js';

/**
 * A guest's console as an authenticated byte stream: what a console proxy bridges to a browser, so the browser never
 * holds a hypervisor credential. For `vnc` the stream is RFB positioned right after the server's SecurityResult:
 * the next bytes the hypervisor expects are the client's ClientInit. Web streams keep the contract platform-neutral.
 */
export interface ConsoleStream extends AsyncDisposable {
  readonly protocol: ConsoleProtocol;
  /** Bytes from the hypervisor. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the hypervisor. */
  readonly writable: WritableStream<Uint8Array>;
  /** For `vnc`: the RFB version agreed with the hypervisor, e.g. `3.8`. */
  readonly rfbVersion?: string;
  /** Closes both directions and the upstream connection. Idempotent. */
  close(): Promise<void>;
}
