import type { GuestEvent } from '@hvc/hypervisor-connector';
import { coalesceGuestEvents } from './coalesce-events.js';

/**
 * One watcher's events waiting for its consumer, never more than `limit`: past the limit the queue is coalesced per
 * guest ({@link coalesceGuestEvents}), and when even that is too long (more guests changed than the limit) it is
 * replaced by a fresh `sync` from `resync`, as after any gap. A slow consumer therefore costs at most `limit` events.
 */
export class WatchQueue {
  readonly #limit: number;
  #events: GuestEvent[] = [];
  #waiter: ((result: IteratorResult<GuestEvent>) => void) | undefined;
  #failWaiter: ((error: unknown) => void) | undefined;
  #end: { readonly error?: unknown } | undefined;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('a watch queue holds at least one event');
    this.#limit = limit;
  }

  /**
   * Queues the events of one poll; `resync` gives a `sync` of the state after them, for when coalescing is not
   * enough. A `sync` among them makes what came before it moot.
   */
  push(events: readonly GuestEvent[], resync: () => GuestEvent): void {
    if (this.#end !== undefined) return;
    for (const event of events) {
      if (event.type === 'sync') this.#events = [];
      this.#events.push(event);
    }
    if (this.#events.length > this.#limit) {
      this.#events = coalesceGuestEvents(this.#events);
      if (this.#events.length > this.#limit) this.#events = [resync()];
    }
    const waiter = this.#waiter;
    const event = waiter === undefined ? undefined : this.#events.shift();
    if (event === undefined) return;
    this.#waiter = undefined;
    this.#failWaiter = undefined;
    waiter!({ done: false, value: event });
  }

  /** Ends the queue: the consumer gets what is queued, then the end (or `error`, thrown). Later calls are ignored. */
  end(error?: unknown): void {
    if (this.#end !== undefined) return;
    this.#end = error === undefined ? {} : { error };
    if (this.#waiter !== undefined) this.#settle();
  }

  /** Events waiting for the consumer. */
  get size(): number {
    return this.#events.length;
  }

  /** The next event, waiting for one when none is queued. */
  next(): Promise<IteratorResult<GuestEvent>> {
    const event = this.#events.shift();
    if (event !== undefined) return Promise.resolve({ done: false, value: event });
    if (this.#end !== undefined) {
      return 'error' in this.#end
        ? Promise.reject(this.#end.error)
        : Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => {
      this.#waiter = resolve;
      this.#failWaiter = reject;
    });
  }

  #settle(): void {
    const resolve = this.#waiter!;
    const reject = this.#failWaiter!;
    this.#waiter = undefined;
    this.#failWaiter = undefined;
    const end = this.#end!;
    if ('error' in end) reject(end.error);
    else resolve({ done: true, value: undefined });
  }
}
