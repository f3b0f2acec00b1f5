import { createHash } from 'node:crypto';
import type { VerifiedIdentity } from './identity.js';

/** Most tokens remembered; the oldest entry goes first when it is full. */
const MAX_ENTRIES = 10_000;
/** Longest time a verification is reused, ms. */
const MAX_REUSE_MS = 60_000;

/**
 * Signature checks of recently verified tokens, reused: keyed by the token's SHA-256 (the token itself is not kept),
 * bounded in size, and an entry never outlives the token's `exp` nor one minute. Only the signature and claims
 * check is saved: who the caller is and what they may do is still read from the database on every request.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, { readonly identity: VerifiedIdentity; readonly until: number }>();

  /** The identity a token was verified as, if that verification may still be reused at `nowMs`. */
  get(token: string, nowMs: number): VerifiedIdentity | undefined {
    const key = keyOf(token);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.until) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.identity;
  }

  /** Remembers a verified token until its expiry (`expSeconds`), at most one minute from `nowMs`. */
  set(token: string, identity: VerifiedIdentity, expSeconds: number, nowMs: number): void {
    const until = Math.min(expSeconds * 1000, nowMs + MAX_REUSE_MS);
    if (until <= nowMs) return;
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(keyOf(token), { identity, until });
  }

  /** Forgets every verification (the issuer's keys changed). */
  clear(): void {
    this.#entries.clear();
  }
}

function keyOf(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}
