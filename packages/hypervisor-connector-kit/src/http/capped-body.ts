import { ResponseTooLargeError } from './response-too-large.js';

/** What {@link readCappedBody} does when a body passes its limit. */
export type BodyOverflow =
  /** Throw `ResponseTooLargeError`: the body is the answer and must be whole. */
  | 'fail'
  /** Keep the first `limit` bytes and return them: the body only explains a failure. */
  | 'truncate';

/**
 * Reads a response body (an undici body stream, or a `fetch` response's stream), counting bytes as they arrive, and
 * hands the whole of it to `read` (see {@link readJoined}). Once the count passes `limitBytes` it stops reading:
 * leaving the loop early destroys the stream, which aborts the request and drops its connection, so an endless body
 * costs at most `limitBytes` plus a chunk.
 */
export async function readCappedBody<T>(
  body: AsyncIterable<Uint8Array>,
  limitBytes: number,
  overflow: BodyOverflow,
  read: (bytes: Buffer) => T,
): Promise<T> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.byteLength > limitBytes) {
      if (overflow === 'fail') throw new ResponseTooLargeError(limitBytes);
      chunks.push(chunk.subarray(0, limitBytes - size));
      size = limitBytes;
      break;
    }
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  return readJoined(chunks, size, read);
}

/**
 * The largest body joined in the shared join buffer (a bigger one is joined in a buffer of its own). The buffer
 * keeps the size of the largest body it joined, so this bounds the memory it holds for the life of the process.
 */
export const JOIN_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/**
 * One buffer the chunks of a body are joined in, reused by every answer. Safe to share: a body is copied in and
 * decoded into a string of its own in one synchronous step, and only its own `size` bytes are read back.
 */
let joinBuffer: Buffer | undefined;

/**
 * `chunks` (of `size` bytes in all) joined and handed to `read`, synchronously. One chunk (most answers) is handed
 * over in place; more are joined in the shared join buffer rather than a fresh one: a fresh multi-megabyte buffer
 * per listing costs its page faults, which on virtual machines take longer than the copy. The bytes are only valid
 * during the call: `read` returns what it made of them (a string, a parsed value), never the bytes themselves.
 */
export function readJoined<T>(chunks: readonly Uint8Array[], size: number, read: (bytes: Buffer) => T): T {
  if (chunks.length === 1) {
    const only = chunks[0] as Uint8Array;
    return read(Buffer.from(only.buffer, only.byteOffset, size));
  }
  if (size > JOIN_BUFFER_MAX_BYTES) return read(Buffer.concat(chunks, size));
  if (joinBuffer === undefined || joinBuffer.byteLength < size) {
    joinBuffer = Buffer.allocUnsafeSlow(Math.min(JOIN_BUFFER_MAX_BYTES, 2 ** Math.ceil(Math.log2(size))));
  }
  let offset = 0;
  for (const chunk of chunks) {
    joinBuffer.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return read(joinBuffer.subarray(0, size));
}
