import { describe, expect, it } from 'vitest';
import { JOIN_BUFFER_MAX_BYTES, readJoined } from '../src/http/capped-body.js';

/** `chunks` (of `size` bytes in all) joined and decoded as UTF-8 text. */
const decodeChunks = (chunks: readonly Uint8Array[], size: number) =>
  readJoined(chunks, size, (bytes) => bytes.toString('utf8'));

/** `text`'s UTF-8 bytes cut into chunks of `size` bytes, as a socket delivers them (cuts may split a character). */
function chunked(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.byteLength; at += size) chunks.push(Buffer.from(bytes.subarray(at, at + size)));
  return chunks;
}

function decoded(text: string, chunkSize: number): string {
  const chunks = chunked(text, chunkSize);
  return decodeChunks(
    chunks,
    chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0),
  );
}

/** A JSON listing of `count` entries, like a PVE `/cluster/resources` answer; `name` names the first. */
function listing(count: number, name = 'vm-0'): string {
  const data = Array.from({ length: count }, (_, i) => ({
    id: `qemu/${100 + i}`,
    name: i ? `vm-${i}` : name,
  }));
  return JSON.stringify({ data });
}

describe('a body decoded from its chunks', () => {
  it('reads a multi-megabyte listing joined from many chunks exactly', () => {
    const text = listing(60_000);
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(decoded(text, 16_384)).toBe(text);
  });

  it('reads UTF-8 with characters split between chunks, after and before ASCII bodies', () => {
    const ascii = listing(20_000);
    const utf8 = listing(20_000, 'сервер-€-🖥');
    expect(decoded(ascii, 65_536)).toBe(ascii);
    // A 4-byte character and a 3-byte one land on 7-byte cuts: most of them are split.
    expect(decoded(utf8, 7)).toBe(utf8);
    expect(decoded(ascii, 1_000)).toBe(ascii);
  });

  it('keeps nothing of a longer body in a shorter one decoded after it', () => {
    const long = listing(40_000, 'long');
    const short = listing(3, 'short');
    expect(decoded(long, 4_096)).toBe(long);
    expect(decoded(short, 10)).toBe(short);
    expect(decoded(short.slice(0, 5), 2)).toBe(short.slice(0, 5));
  });

  it('reads one chunk in place, no chunk as empty text, and a body over the shared buffer by itself', () => {
    expect(decodeChunks([Buffer.from('{"data":"€"}')], 14)).toBe('{"data":"€"}');
    expect(decodeChunks([], 0)).toBe('');
    expect(decodeChunks([Buffer.alloc(0), Buffer.alloc(0)], 0)).toBe('');
    const beyond = 'x'.repeat(JOIN_BUFFER_MAX_BYTES + 3);
    expect(decoded(beyond, 1 << 20)).toBe(beyond);
  });
});
