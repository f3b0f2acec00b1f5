import { createHash } from 'node:crypto';

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The byte triples SHA-256 crypt encodes its digest in (Drepper, "Unix crypt using SHA-256 and SHA-512"). */
const ORDER = [
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

const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += block.length)
    block.copy(out, at, 0, Math.min(block.length, length - at));
  return out;
}

function encode(b2: number, b1: number, b0: number, chars: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < chars; i++) {
    out += ALPHABET[w & 0x3f];
    w >>= 6;
  }
  return out;
}

/**
 * glibc's `crypt(3)` SHA-256 (`$5$<salt>$<hash>`, 5 000 rounds), what pve-common `PVE::Tools::encrypt_pw` stores
 * for a cloud-init password. `salt`: up to 16 characters.
 */
export function sha256Crypt(password: string, salt: string): string {
  const p = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt.slice(0, 16), 'latin1');
  const b = sha256(p, s, p);
  const a = createHash('sha256').update(p).update(s).update(repeatTo(b, p.length));
  for (let n = p.length; n > 0; n >>= 1) a.update(n & 1 ? b : p);
  let c = a.digest();
  const pBytes = repeatTo(sha256(...Array<Buffer>(p.length).fill(p)), p.length);
  const sBytes = repeatTo(sha256(...Array<Buffer>(16 + (c[0] as number)).fill(s)), s.length);
  for (let i = 0; i < 5000; i++) {
    const round = createHash('sha256');
    round.update(i & 1 ? pBytes : c);
    if (i % 3) round.update(sBytes);
    if (i % 7) round.update(pBytes);
    round.update(i & 1 ? c : pBytes);
    c = round.digest();
  }
  const digest =
    ORDER.map(([x, y, z]) => encode(c[x]!, c[y]!, c[z]!, 4)).join('') + encode(0, c[31]!, c[30]!, 3);
  return `$5$${s.toString('latin1')}$${digest}`;
}
