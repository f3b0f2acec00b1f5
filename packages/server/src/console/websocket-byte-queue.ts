import type { WebSocket } from 'ws';

/**
 * The bytes of a WebSocket's binary messages as one queue, for the proxy's side of the RFB handshake: message
 * boundaries mean nothing in RFB, so exact counts are read across them. After the handshake `detach()` hands back
 * the bytes read ahead and stops listening.
 */
export class WebSocketByteQueue {
  readonly #socket: WebSocket;
  #buffered = Buffer.alloc(0);
  #waiter: (() => void) | undefined;
  #closed = false;
  readonly #onMessage = (data: Buffer | ArrayBuffer | Buffer[]) => {
    const chunk = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    this.#buffered = Buffer.concat([this.#buffered, chunk]);
    this.#wake();
  };
  readonly #onClose = () => {
    this.#closed = true;
    this.#wake();
  };

  constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', this.#onMessage);
    socket.on('close', this.#onClose);
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  /** Exactly `length` bytes; rejects when the WebSocket closes first. */
  async read(length: number): Promise<Buffer> {
    while (this.#buffered.length < length) {
      if (this.#closed) throw new Error('the browser closed the console during the handshake');
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
    const out = this.#buffered.subarray(0, length);
    this.#buffered = this.#buffered.subarray(length);
    return out;
  }

  /** Stops listening and returns the bytes received but not read. */
  detach(): Buffer {
    this.#socket.off('message', this.#onMessage);
    this.#socket.off('close', this.#onClose);
    return this.#buffered;
  }
}
