/** How the client checks that the daemon is alive. */
export interface KeepaliveOptions {
  /** Silence after which a ping is sent, and between pings (ms). libvirt's default is 5 s. */
  readonly intervalMs: number;
  /** Intervals of silence after which the daemon is declared dead. libvirt's default is 5. */
  readonly count: number;
}

/** libvirt's own defaults (`keepalive_interval = 5`, `keepalive_count = 5`). */
export const DEFAULT_KEEPALIVE: KeepaliveOptions = { intervalMs: 5000, count: 5 };

/**
 * The client side of libvirt's keepalive protocol. Any packet from the daemon counts as a sign of life; after
 * `intervalMs` of silence a PING is sent, and again every `intervalMs`; after `intervalMs × count` of silence
 * `onDead` is called once. A frozen daemon keeps its TCP connection open and answers nothing: this is what
 * turns that into an error instead of a call that hangs for ever.
 */
export class KeepaliveMonitor {
  readonly #options: KeepaliveOptions;
  readonly #sendPing: () => void;
  readonly #onDead: (silenceMs: number) => void;
  #lastReceived: number;
  #lastPing = 0;
  #timer: NodeJS.Timeout | undefined;
  #paused = false;
  #stopped = false;

  constructor(
    options: KeepaliveOptions,
    handlers: { sendPing: () => void; onDead: (silenceMs: number) => void },
  ) {
    if (!(options.intervalMs > 0) || !Number.isInteger(options.count) || options.count < 1) {
      throw new RangeError('keepalive needs intervalMs > 0 and an integer count >= 1');
    }
    this.#options = options;
    this.#sendPing = handlers.sendPing;
    this.#onDead = handlers.onDead;
    this.#lastReceived = performance.now();
  }

  /** The longest silence tolerated before the daemon is declared dead. */
  get deadAfterMs(): number {
    return this.#options.intervalMs * this.#options.count;
  }

  /** Starts the timer. */
  start(): void {
    this.#lastReceived = performance.now();
    this.#schedule();
  }

  /** Records that a packet arrived. */
  received(): void {
    this.#lastReceived = performance.now();
  }

  /**
   * Stops judging silence while the client itself has stopped reading (a stream consumer applying
   * backpressure): the daemon's packets are waiting unread, so silence says nothing about it.
   */
  setPaused(paused: boolean): void {
    if (this.#paused === paused) return;
    this.#paused = paused;
    if (!paused) this.#lastReceived = performance.now();
  }

  /** Stops for good. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const { intervalMs } = this.#options;
    const now = performance.now();
    const nextPing = Math.max(this.#lastReceived, this.#lastPing) + intervalMs;
    const death = this.#lastReceived + this.deadAfterMs;
    const delay = Math.max(1, Math.min(nextPing, death) - now);
    this.#timer = setTimeout(() => this.#tick(), delay);
    // The socket, not this timer, keeps the process alive while a connection is open.
    this.#timer.unref();
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const now = performance.now();
    if (this.#paused) this.#lastReceived = now;
    const silence = now - this.#lastReceived;
    if (silence >= this.deadAfterMs) {
      this.stop();
      this.#onDead(silence);
      return;
    }
    if (silence >= this.#options.intervalMs && now - this.#lastPing >= this.#options.intervalMs) {
      this.#lastPing = now;
      this.#sendPing();
    }
    this.#schedule();
  }
}
