import { isAscii } from 'node:buffer';
import { ResponseTooLargeError } from './response-too-large.js';

/** What {@link readCappedBody} does when a body passes its limit. */
export type BodyOverflow =
  /** Throw `ResponseTooLargeError`: the body is the answer and must be whole. */
  | 'fail'
  /** Keep the first `limit` bytes and return them: the body only explains a failure. */
  | 'truncate';

/**
 * Reads a response body (an undici body stream, or a `fetch` response's stream) as UTF-8 text, counting bytes as
 * they arrive. Once the count passes `limitBytes` it stops reading: leaving the loop early destroys the stream,
 * which aborts the request and drops its connection, so an endless body costs at most `limitBytes` plus a chunk.
 */
export async function readCappedBody(
  body: AsyncIterable<Uint8Array>,
  limitBytes: number,
  overflow: BodyOverflow,
): Promise<string> {
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
  return decodeChunks(chunks, size);
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
 * `chunks` (of `size` bytes in all) as UTF-8 text. One chunk (most answers) is decoded in place; more are joined in
 * the shared join buffer rather than a fresh one: a fresh multi-megabyte buffer per listing costs its page faults,
 * which on virtual machines take longer than the copy and the decode together.
 */
export function decodeChunks(chunks: readonly Uint8Array[], size: number): string {
  if (chunks.length === 1) {
    const only = chunks[0] as Uint8Array;
    return textOf(Buffer.from(only.buffer, only.byteOffset, size));
  }
  if (size > JOIN_BUFFER_MAX_BYTES) return textOf(Buffer.concat(chunks, size));
  if (joinBuffer === undefined || joinBuffer.byteLength < size) {
    joinBuffer = Buffer.allocUnsafeSlow(Math.min(JOIN_BUFFER_MAX_BYTES, 2 ** Math.ceil(Math.log2(size))));
  }
  let offset = 0;
  for (const chunk of chunks) {
    joinBuffer.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return textOf(joinBuffer.subarray(0, size));
}

/**
 * UTF-8 `bytes` as a string. ASCII (every PVE listing without a non-ASCII name or note) is decoded as Latin-1,
 * which it is too: Node hands a large Latin-1 decode to V8 as an external string in memory the allocator reuses,
 * where a UTF-8 decode takes a fresh large-object page of V8's heap per answer.
 */
function textOf(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}
