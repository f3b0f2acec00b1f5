import type { ChangeCounter } from './change-counter.js';

/** How long and how much a {@link ReadCache} keeps. */
export interface ReadCacheOptions {
  /** Longest time an answer is reused, ms; 0 turns the cache off. */
  readonly ttlMs: number;
  /** Most answers kept; the oldest goes first when it is full (default 10,000). */
  readonly maxEntries?: number;
  /** Writes made through this process's store: an answer read before the last one is never reused. */
  readonly changes: ChangeCounter;
  /** The clock, ms (tests). */
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: Promise<V>;
  readonly until: number;
  readonly count: number;
}

/**
 * Answers read from the database, reused for a short time: each under the key it was asked with (callers put the
 * subject and the organisation in it, so nothing is shared across organisations), until its TTL passes or the
 * store changes what access is decided from. Concurrent asks of the same key share one read; a failed read is not
 * kept.
 */
export class ReadCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #changes: ChangeCounter;
  readonly #now: () => number;

  constructor(options: ReadCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#changes = options.changes;
    this.#now = options.now ?? Date.now;
  }

  /** The answer under `key`: the kept one while fresh, else `load()`'s (kept for the next asks). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.#ttlMs <= 0) return load();
    const now = this.#now();
    const count = this.#changes.current;
    const known = this.#entries.get(key);
    if (known && known.count === count && now < known.until) return known.value;
    if (known) this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    const value = load();
    const entry: Entry<V> = { value, until: now + this.#ttlMs, count };
    this.#entries.set(key, entry);
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return value;
  }
}
