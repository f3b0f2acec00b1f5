import type { StoredTarget } from '../domain/records.js';

/** The stored form of a target's connector descriptor: what its row holds. */
export interface StoredDescriptor {
  /** The target's key. */
  readonly key: string;
  readonly kind: string;
  /** The config as stored (JSON text). */
  readonly config: string;
  /** The encrypted credentials as stored, or null. */
  readonly credentials: string | null;
}

/**
 * The last descriptor built for each target, reused while its row is unchanged. The row is still read on every
 * lookup (the database stays the authority, on every replica); what is saved is the decryption and parsing, and —
 * because the same frozen object comes back — the resolver's validation of the config.
 */
export class DescriptorMemo {
  readonly #entries = new Map<
    string,
    { readonly row: StoredDescriptor; readonly descriptor: StoredTarget }
  >();

  /** The descriptor of `row`: the remembered one when the row is the same, else a new one from `build`. */
  get(row: StoredDescriptor, build: () => StoredTarget): StoredTarget {
    const known = this.#entries.get(row.key);
    if (known && sameRow(known.row, row)) return known.descriptor;
    const descriptor = deepFreeze(build());
    this.#entries.set(row.key, { row: { ...row }, descriptor });
    return descriptor;
  }

  /** Forgets a target by its key (it was deleted, or its row is gone). */
  forget(key: string): void {
    this.#entries.delete(key);
  }
}

function sameRow(a: StoredDescriptor, b: StoredDescriptor): boolean {
  return a.kind === b.kind && a.config === b.config && a.credentials === b.credentials;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
