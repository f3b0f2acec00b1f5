import { abandonable, listenForAbort, throwIfAborted } from '../abort/abort.js';

interface Flight<V> {
  readonly promise: Promise<V>;
  readonly controller: AbortController;
  waiters: number;
}

/**
 * Runs one piece of work per key at a time and shares its result with every caller that asks meanwhile. Each caller
 * may give up on its own (its signal rejects its call with CANCELLED); the work itself is aborted only when every
 * caller has given up.
 */
export class SingleFlight<K, V> {
  readonly #flights = new Map<K, Flight<V>>();

  /** The result of `work` for `key`, shared with concurrent callers of the same key. */
  run(key: K, work: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V> {
    throwIfAborted(signal);
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      const controller = new AbortController();
      const promise = Promise.resolve()
        .then(() => work(controller.signal))
        .finally(() => {
          if (this.#flights.get(key) === created) this.#flights.delete(key);
        });
      // Nobody may be listening when every caller has given up.
      promise.catch(() => {});
      const created: Flight<V> = { promise, controller, waiters: 0 };
      flight = created;
      this.#flights.set(key, created);
    }
    const joined = flight;
    joined.waiters += 1;
    if (signal === undefined) return joined.promise;
    const leave = () => {
      joined.waiters -= 1;
      if (joined.waiters > 0) return;
      joined.controller.abort(signal.reason);
      if (this.#flights.get(key) === joined) this.#flights.delete(key);
    };
    const stop = listenForAbort(signal, leave);
    return abandonable(joined.promise, signal).finally(stop);
  }
}
