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

/** `chunks` (of `size` bytes in all) as UTF-8 text: one chunk (most answers) is decoded in place, more are joined first. */
export function decodeChunks(chunks: readonly Uint8Array[], size: number): string {
  const only = chunks.length === 1 ? (chunks[0] as Uint8Array) : undefined;
  const bytes = only ? Buffer.from(only.buffer, only.byteOffset, size) : Buffer.concat(chunks, size);
  return bytes.toString('utf8');
}
