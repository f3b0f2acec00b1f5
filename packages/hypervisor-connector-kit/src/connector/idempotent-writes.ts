import {
  type CallOptions,
  ConflictError,
  type HypervisorConnector,
  IdempotencyKeySchema,
  isHypervisorError,
  parseInput,
} from '@hvc/hypervisor-connector';
import { z } from 'zod';
import { canonicalJson, stableHash } from '../hash/stable-hash.js';
import { CONNECTOR_METHOD_NAMES, CONNECTOR_METHODS } from './connector-methods.js';

const KeyOptionSchema = z.object({ idempotencyKey: IdempotencyKeySchema });

/** How long a connector keeps an idempotency key: a day, like the server's default. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** The most keys one connector keeps; past it the oldest are forgotten first. */
export const IDEMPOTENCY_KEY_LIMIT = 10_000;

interface KeptWrite {
  readonly fingerprint: string;
  readonly result: Promise<unknown>;
  readonly expiresAt: number;
}

/** Options of {@link IdempotentWrites}. */
export interface IdempotentWritesOptions {
  readonly ttlMs?: number;
  readonly limit?: number;
  /** Milliseconds since the epoch; `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * The writes of one connector by idempotency key: the same key with the same request shares the first call's
 * result, another request under the key is CONFLICT (`IDEMPOTENCY_KEY_REUSED`). A call that fails without reaching
 * the hypervisor (its error does not say `mayHaveBeenApplied`) frees the key so a retry runs; one that may have been
 * applied keeps its error, so a retry never writes twice. Memory is bounded by `limit` and `ttlMs`.
 */
export class IdempotentWrites {
  readonly #kept = new Map<string, KeptWrite>();
  readonly #ttlMs: number;
  readonly #limit: number;
  readonly #now: () => number;

  constructor(options: IdempotentWritesOptions = {}) {
    this.#ttlMs = options.ttlMs ?? IDEMPOTENCY_KEY_TTL_MS;
    this.#limit = options.limit ?? IDEMPOTENCY_KEY_LIMIT;
    this.#now = options.now ?? Date.now;
  }

  /** Runs `write` once per key and request; see the class. */
  run<T>(key: string, request: string, write: () => Promise<T>): Promise<T> {
    const now = this.#now();
    // The kit's 64-bit fingerprint and the length: two requests under one key are the same caller's, so this only has
    // to tell a changed request apart, as page tokens do.
    const fingerprint = `${stableHash(request)}:${request.length}`;
    const kept = this.#kept.get(key);
    if (kept !== undefined && kept.expiresAt > now) {
      if (kept.fingerprint !== fingerprint) {
        return Promise.reject(
          new ConflictError(
            'the idempotency key was used before with another request (IDEMPOTENCY_KEY_REUSED): use a new key for a new request',
            { retryable: false, details: { reason: 'IDEMPOTENCY_KEY_REUSED' } },
          ),
        );
      }
      return kept.result as Promise<T>;
    }
    this.#kept.delete(key);
    this.#evict(now);
    const result = write();
    const entry: KeptWrite = { fingerprint, result, expiresAt: now + this.#ttlMs };
    this.#kept.set(key, entry);
    result.catch((error: unknown) => {
      const applied = isHypervisorError(error) && error.mayHaveBeenApplied === true;
      if (!applied && this.#kept.get(key) === entry) this.#kept.delete(key);
    });
    return result;
  }

  /** How many keys are kept. */
  get size(): number {
    return this.#kept.size;
  }

  #evict(now: number): void {
    for (const [key, kept] of this.#kept) {
      if (this.#kept.size < this.#limit && kept.expiresAt > now) break;
      // Map order is insertion order, and every entry has the same lifetime: the oldest come first.
      this.#kept.delete(key);
    }
  }
}

/**
 * Makes the write methods of `connector` honour `options.idempotencyKey` (validated: INVALID_ARGUMENT naming
 * `idempotencyKey`) through `writes`; calls without a key, and reads, pass straight through.
 */
export function withIdempotentWrites(connector: HypervisorConnector, writes: IdempotentWrites): void {
  const methods = connector as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of CONNECTOR_METHOD_NAMES) {
    const { write, options: optionsAt } = CONNECTOR_METHODS[method];
    if (!write) continue;
    const call = methods[method]!;
    methods[method] = (...args: unknown[]) => {
      const key = (args[optionsAt] as CallOptions | undefined)?.idempotencyKey;
      if (key === undefined) return call(...args);
      try {
        parseInput(KeyOptionSchema, { idempotencyKey: key }, 'call options');
      } catch (error) {
        return Promise.reject(error);
      }
      const request = `${method}\n${canonicalJson(args.slice(0, optionsAt))}`;
      return writes.run(key, request, () => call(...args) as Promise<unknown>);
    };
  }
}
