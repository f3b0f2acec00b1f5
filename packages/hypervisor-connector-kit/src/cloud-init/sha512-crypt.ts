import { createHash, randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '@hvc/hypervisor-connector';

/** Rounds used when the caller names none: well above crypt(3)'s default of 5 000. */
export const DEFAULT_SHA512_CRYPT_ROUNDS = 100_000;

/** Options of {@link sha512Crypt}. */
export interface Sha512CryptOptions {
  /** 1..16 of `./0-9A-Za-z`; 16 random ones when absent. */
  readonly salt?: string;
  /** 1 000..999 999 999; {@link DEFAULT_SHA512_CRYPT_ROUNDS} when absent. Always written as `rounds=N`. */
  readonly rounds?: number;
}

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SALT = /^[./0-9A-Za-z]{1,16}$/;

/** Rounds run between two yields of {@link sha512CryptAsync} to the event loop: a few milliseconds of work. */
export const SHA512_CRYPT_ROUNDS_PER_SLICE = 2_000;

/**
 * The crypt(3) SHA-512 hash of a password (`$6$rounds=N$salt$digest`), as glibc, `openssl passwd -6` and
 * cloud-init's `chpasswd -e` know it: U. Drepper, "Unix crypt using SHA-256 and SHA-512" (2008). Synchronous: the
 * default rounds hold the thread for about half a second — a server uses {@link sha512CryptAsync}.
 */
export function sha512Crypt(password: string, options: Sha512CryptOptions = {}): string {
  const steps = sha512CryptSteps(password, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@link sha512Crypt} without holding the event loop: the same computation, giving way to other callbacks
 * (`setImmediate`) every {@link SHA512_CRYPT_ROUNDS_PER_SLICE} rounds. Bad options reject as they throw there.
 */
export async function sha512CryptAsync(password: string, options: Sha512CryptOptions = {}): Promise<string> {
  const steps = sha512CryptSteps(password, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The hash, yielding between slices of rounds; the options are checked on the first step. */
function* sha512CryptSteps(password: string, options: Sha512CryptOptions): Generator<void, string, void> {
  const salt = options.salt ?? randomSalt();
  const rounds = options.rounds ?? DEFAULT_SHA512_CRYPT_ROUNDS;
  if (!SALT.test(salt)) throw invalid('salt', 'a salt is 1..16 of ./0-9A-Za-z');
  if (!Number.isInteger(rounds) || rounds < 1000 || rounds > 999_999_999) {
    throw invalid('rounds', 'rounds lie in 1000..999999999');
  }
  const p = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt, 'latin1');
  const sha512 = (...parts: Buffer[]) => {
    const hash = createHash('sha512');
    for (const part of parts) hash.update(part);
    return hash.digest();
  };

  const b = sha512(p, s, p);
  const a = createHash('sha512').update(p).update(s);
  a.update(repeatTo(b, p.length));
  for (let n = p.length; n > 0; n >>= 1) a.update(n & 1 ? b : p);
  let c = a.digest();

  const pBytes = repeatTo(sha512(...Array<Buffer>(p.length).fill(p)), p.length);
  const sBytes = repeatTo(sha512(...Array<Buffer>(16 + (c[0] as number)).fill(s)), s.length);
  for (let i = 0; i < rounds; i++) {
    if (i > 0 && i % SHA512_CRYPT_ROUNDS_PER_SLICE === 0) yield;
    const round = createHash('sha512');
    round.update(i & 1 ? pBytes : c);
    if (i % 3) round.update(sBytes);
    if (i % 7) round.update(pBytes);
    round.update(i & 1 ? c : pBytes);
    c = round.digest();
  }
  return `$6$rounds=${rounds}$${salt}$${encodeDigest(c)}`;
}

/** `length` bytes of `block` repeated. */
function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += block.length)
    block.copy(out, at, 0, Math.min(block.length, length - at));
  return out;
}

/** The byte order in which SHA-512 crypt encodes its digest, three bytes at a time. */
const DIGEST_ORDER = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
] as const;

function encodeDigest(digest: Buffer): string {
  let out = '';
  const emit = (value: number, characters: number) => {
    for (let i = 0; i < characters; i++, value >>= 6) out += CRYPT_ALPHABET[value & 0x3f];
  };
  for (const [x, y, z] of DIGEST_ORDER)
    emit(((digest[x] as number) << 16) | ((digest[y] as number) << 8) | (digest[z] as number), 4);
  emit(digest[63] as number, 2);
  return out;
}

function randomSalt(): string {
  // 64 divides 256, so taking each byte modulo 64 keeps every character equally likely.
  return Array.from(randomBytes(16), (byte) => CRYPT_ALPHABET[byte & 0x3f]).join('');
}

function invalid(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid SHA-512 crypt ${field}: ${message}`, {
    violations: [{ field, message }],
  });
}
