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

/** Options of {@link shaCrypt}. */
export interface ShaCryptOptions extends Omit<Sha512CryptOptions, 'rounds'> {
  /** `sha512` (`$6$`, the default) or `sha256` (`$5$`). */
  readonly algorithm?: 'sha256' | 'sha512';
  /**
   * As {@link Sha512CryptOptions.rounds}; or `'implicit'`: crypt(3)'s own 5 000, not written (`$5$salt$…`), as a
   * setting that names no rounds gives.
   */
  readonly rounds?: number | 'implicit';
}

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SALT = /^[./0-9A-Za-z]{1,16}$/;

/** Rounds run between two yields of {@link sha512CryptAsync} to the event loop: a few milliseconds of work. */
export const SHA512_CRYPT_ROUNDS_PER_SLICE = 2_000;

/**
 * The crypt(3) SHA-512 hash of a password (`$6$rounds=N$salt$digest`), as glibc, `openssl passwd -6` and
 * cloud-init's `chpasswd -e` know it: {@link shaCrypt} with `sha512`. Synchronous: the default rounds hold the
 * thread for about half a second — a server uses {@link sha512CryptAsync}.
 */
export function sha512Crypt(password: string, options: Sha512CryptOptions = {}): string {
  return shaCrypt(password, { ...options, algorithm: 'sha512' });
}

/**
 * {@link sha512Crypt} without holding the event loop: the same computation, giving way to other callbacks
 * (`setImmediate`) every {@link SHA512_CRYPT_ROUNDS_PER_SLICE} rounds. Bad options reject as they throw there.
 */
export async function sha512CryptAsync(password: string, options: Sha512CryptOptions = {}): Promise<string> {
  const steps = shaCryptSteps(password, { ...options, algorithm: 'sha512' });
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * The crypt(3) SHA-256 (`$5$`) or SHA-512 (`$6$`) hash of a password, as glibc and `openssl passwd -5`/`-6` give
 * it: U. Drepper, "Unix crypt using SHA-256 and SHA-512" (2008).
 */
export function shaCrypt(password: string, options: ShaCryptOptions = {}): string {
  const steps = shaCryptSteps(password, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The hash, yielding between slices of rounds; the options are checked on the first step. */
function* shaCryptSteps(password: string, options: ShaCryptOptions): Generator<void, string, void> {
  const algorithm = options.algorithm ?? 'sha512';
  const salt = options.salt ?? randomSalt();
  const implicit = options.rounds === 'implicit';
  const rounds = implicit ? 5000 : (options.rounds ?? DEFAULT_SHA512_CRYPT_ROUNDS);
  if (!SALT.test(salt)) throw invalid('salt', 'a salt is 1..16 of ./0-9A-Za-z');
  if (!Number.isInteger(rounds) || rounds < 1000 || rounds > 999_999_999) {
    throw invalid('rounds', 'rounds lie in 1000..999999999');
  }
  const p = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt, 'latin1');
  const digestOf = (...parts: Buffer[]) => {
    const hash = createHash(algorithm);
    for (const part of parts) hash.update(part);
    return hash.digest();
  };

  const b = digestOf(p, s, p);
  const a = createHash(algorithm).update(p).update(s);
  a.update(repeatTo(b, p.length));
  for (let n = p.length; n > 0; n >>= 1) a.update(n & 1 ? b : p);
  let c = a.digest();

  const pBytes = repeatTo(digestOf(...Array<Buffer>(p.length).fill(p)), p.length);
  const sBytes = repeatTo(digestOf(...Array<Buffer>(16 + (c[0] as number)).fill(s)), s.length);
  for (let i = 0; i < rounds; i++) {
    if (i > 0 && i % SHA512_CRYPT_ROUNDS_PER_SLICE === 0) yield;
    const round = createHash(algorithm);
    round.update(i & 1 ? pBytes : c);
    if (i % 3) round.update(sBytes);
    if (i % 7) round.update(pBytes);
    round.update(i & 1 ? c : pBytes);
    c = round.digest();
  }
  const id = algorithm === 'sha512' ? '6' : '5';
  return `$${id}$${implicit ? '' : `rounds=${rounds}$`}${salt}$${encodeDigest(c, DIGEST_ENCODING[algorithm])}`;
}

/** `length` bytes of `block` repeated. */
function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += block.length)
    block.copy(out, at, 0, Math.min(block.length, length - at));
  return out;
}

/** The byte order in which SHA-512 crypt encodes its digest, three bytes at a time. */
const SHA512_DIGEST_ORDER = [
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

/** The byte order in which SHA-256 crypt encodes its digest, three bytes at a time. */
const SHA256_DIGEST_ORDER = [
  [0, 10, 20],
  [21, 1, 11],
  [12, 22, 2],
  [3, 13, 23],
  [24, 4, 14],
  [15, 25, 5],
  [6, 16, 26],
  [27, 7, 17],
  [18, 28, 8],
  [9, 19, 29],
] as const;

/** How each digest is written: its triples, then the bytes left over (high byte first) and their characters. */
const DIGEST_ENCODING = {
  sha512: { triples: SHA512_DIGEST_ORDER, rest: [63], restCharacters: 2 },
  sha256: { triples: SHA256_DIGEST_ORDER, rest: [31, 30], restCharacters: 3 },
} as const;

function encodeDigest(
  digest: Buffer,
  encoding: (typeof DIGEST_ENCODING)[keyof typeof DIGEST_ENCODING],
): string {
  let out = '';
  const emit = (value: number, characters: number) => {
    for (let i = 0; i < characters; i++, value >>= 6) out += CRYPT_ALPHABET[value & 0x3f];
  };
  for (const [x, y, z] of encoding.triples)
    emit(((digest[x] as number) << 16) | ((digest[y] as number) << 8) | (digest[z] as number), 4);
  emit(
    encoding.rest.reduce((value, at) => (value << 8) | (digest[at] as number), 0),
    encoding.restCharacters,
  );
  return out;
}

function randomSalt(): string {
  // 64 divides 256, so taking each byte modulo 64 keeps every character equally likely.
  return Array.from(randomBytes(16), (byte) => CRYPT_ALPHABET[byte & 0x3f]).join('');
}

function invalid(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid SHA crypt ${field}: ${message}`, {
    violations: [{ field, message }],
  });
}
