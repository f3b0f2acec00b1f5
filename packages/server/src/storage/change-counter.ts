/**
 * Counts this process's writes to what access is decided from: memberships, users, organisations, service tokens
 * and targets. A value cached while the count was lower is stale, so a change made through this process's store
 * applies to the very next request; another replica's changes are seen once the cache's TTL has passed.
 */
export class ChangeCounter {
  #count = 0;

  /** The number of writes so far. */
  get current(): number {
    return this.#count;
  }

  /** Notes a write (made or about to be made). */
  bump(): void {
    this.#count++;
  }
}

/**
 * `store` with each of its methods but `reads` bumping `counter` before and after it runs: before, so no read that
 * starts while the write is under way is reused under the old count; after, so a read that started during it is
 * stale once it completes. A method added later counts as a write until it is named a read.
 */
export function countingWrites<T extends object>(
  store: T,
  reads: ReadonlyArray<keyof T>,
  counter: ChangeCounter,
): T {
  const counted: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(store)) {
    if (typeof method !== 'function' || reads.includes(name as keyof T)) continue;
    counted[name] = async (...args: unknown[]) => {
      counter.bump();
      try {
        return await (method as (...args: unknown[]) => Promise<unknown>).apply(store, args);
      } finally {
        counter.bump();
      }
    };
  }
  return { ...store, ...counted };
}
