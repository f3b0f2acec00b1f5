import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SHA512_CRYPT_ROUNDS,
  SHA512_CRYPT_ROUNDS_PER_SLICE,
  sha512Crypt,
  sha512CryptAsync,
  shaCrypt,
} from '../src/cloud-init/index.js';
import { tool } from './support/iso-tools.js';
import { violatedFields } from './support/violated-fields.js';

/** `openssl passwd -6` of the same password, salt and rounds. */
function openssl(password: string, salt: string, rounds: number): string {
  return tool('openssl', ['passwd', '-6', '-salt', `rounds=${rounds}$${salt}`, password]).stdout.trim();
}

describe('sha512Crypt', () => {
  it('gives the test vectors of the SHA-crypt specification', () => {
    // "Unix crypt using SHA-256 and SHA-512", test vectors 1 and 2 (5 000 rounds is written when asked for).
    expect(sha512Crypt('Hello world!', { salt: 'saltstring', rounds: 5000 })).toBe(
      '$6$rounds=5000$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
    );
    expect(sha512Crypt('Hello world!', { salt: 'saltstringsaltst', rounds: 10000 })).toBe(
      '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
    );
  });

  it.each([
    ['x', 'a', 1000],
    ['correct horse battery staple', 'abcdefghijklmnop', 1000],
    ['pässwörd 🔑 with unicode', './09AZaz', 1234],
    ['a'.repeat(200), 'long', 1001],
    ['tab\tand "quotes" and $dollars$', 'Zz', 2000],
  ])('agrees with openssl passwd -6 for %j', (password, salt, rounds) => {
    expect(sha512Crypt(password, { salt, rounds })).toBe(openssl(password, salt, rounds));
  });

  it('uses a fresh 16-character salt and the default rounds when none are given', () => {
    const first = sha512Crypt('secret');
    const second = sha512Crypt('secret');
    expect(first).not.toBe(second);
    const match = /^\$6\$rounds=(\d+)\$([./0-9A-Za-z]{16})\$[./0-9A-Za-z]{86}$/.exec(first);
    expect(match?.[1]).toBe(String(DEFAULT_SHA512_CRYPT_ROUNDS));
    expect(openssl('secret', match?.[2] ?? '', DEFAULT_SHA512_CRYPT_ROUNDS)).toBe(first);
  });

  it.each([
    [{ salt: '' }, 'salt'],
    [{ salt: 'a'.repeat(17) }, 'salt'],
    [{ salt: 'bad$salt' }, 'salt'],
    [{ rounds: 999 }, 'rounds'],
    [{ rounds: 1_000_000_000 }, 'rounds'],
    [{ rounds: 1000.5 }, 'rounds'],
  ])('refuses %j without echoing the password', (options, field) => {
    expect(violatedFields(() => sha512Crypt('do-not-echo', options), ['do-not-echo'])).toEqual([field]);
  });
});

describe('shaCrypt with sha256', () => {
  it('gives the test vectors of the SHA-crypt specification, with the implicit 5 000 rounds unwritten', () => {
    // "Unix crypt using SHA-256 and SHA-512", the SHA-256 vectors (glibc crypt(3) gives the same).
    const vectors: Array<[string, string, number | 'implicit', string]> = [
      ['Hello world!', 'saltstring', 'implicit', '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
      [
        'Hello world!',
        'saltstringsaltst',
        10000,
        '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA',
      ],
      [
        'This is just a test',
        'toolongsaltstrin',
        5000,
        '$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5',
      ],
      [
        'we have a short salt string but not a short password',
        'short',
        77777,
        '$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/',
      ],
      [
        'a short string',
        'asaltof16chars..',
        123456,
        '$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/cZKmF/wJvD',
      ],
    ];
    for (const [password, salt, rounds, hashed] of vectors) {
      expect(shaCrypt(password, { algorithm: 'sha256', salt, rounds })).toBe(hashed);
    }
  });

  it.each([
    ['x', 'a'],
    ['pässwörd 🔑 with unicode', './09AZaz'],
    ['a'.repeat(200), 'abcdefghijklmnop'],
  ])('agrees with openssl passwd -5 for %j', (password, salt) => {
    const expected = tool('openssl', ['passwd', '-5', '-salt', salt, password]).stdout.trim();
    expect(shaCrypt(password, { algorithm: 'sha256', salt, rounds: 'implicit' })).toBe(expected);
  });

  it('writes the implicit rounds of SHA-512 crypt as crypt(3) does, and SHA-512 by default', () => {
    expect(shaCrypt('Hello world!', { salt: 'saltstring', rounds: 'implicit' })).toBe(
      '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
    );
  });
});

describe('sha512CryptAsync', () => {
  it('gives the same hashes as sha512Crypt: the specification vectors and openssl', async () => {
    expect(await sha512CryptAsync('Hello world!', { salt: 'saltstring', rounds: 5000 })).toBe(
      '$6$rounds=5000$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
    );
    expect(await sha512CryptAsync('Hello world!', { salt: 'saltstringsaltst', rounds: 10000 })).toBe(
      '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
    );
    const hash = await sha512CryptAsync('pässwörd 🔑', { salt: 'abcdefghijklmnop' });
    expect(hash).toBe(sha512Crypt('pässwörd 🔑', { salt: 'abcdefghijklmnop' }));
    expect(hash).toBe(openssl('pässwörd 🔑', 'abcdefghijklmnop', DEFAULT_SHA512_CRYPT_ROUNDS));
  });

  it('lets other callbacks run between slices of rounds', async () => {
    let ticks = 0;
    let done = false;
    const tick = () => {
      if (done) return;
      ticks++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const rounds = 5 * SHA512_CRYPT_ROUNDS_PER_SLICE;
    await sha512CryptAsync('secret', { salt: 'salt', rounds });
    done = true;
    // One slice between two ticks at most: the loop turned once per slice boundary.
    expect(ticks).toBeGreaterThanOrEqual(rounds / SHA512_CRYPT_ROUNDS_PER_SLICE - 1);
  });

  it('rejects bad options as sha512Crypt throws, without echoing the password', async () => {
    const error = await sha512CryptAsync('do-not-echo', { rounds: 999 }).catch((e: unknown) => e);
    expect(
      violatedFields(() => {
        throw error;
      }, ['do-not-echo']),
    ).toEqual(['rounds']);
  });
});
