/**
 * A map that keeps at most `limit` entries: setting a key makes it the newest, and the oldest goes when the map is
 * full. For what the connector remembers per guest or ticket in memory, which must never grow without bound.
 */
export class RecentMap<K, V> {
  readonly #limit: number;
  readonly #entries = new Map<K, V>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  /** Stores `value` as the newest entry, dropping the oldest when over the limit. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  /** The entries, oldest first. */
  entries(): IterableIterator<[K, V]> {
    return this.#entries.entries();
  }
}
