import type { Readable } from 'node:stream';

/**
 * Reads exact byte counts from a Node readable for a handshake, leaving every byte it did not ask for in the
 * stream's buffer: whatever follows the handshake is read later by whoever takes the stream over.
 */
export class StreamByteReader {
  readonly #stream: Readable;

  constructor(stream: Readable) {
    this.#stream = stream;
  }

  /** Resolves with exactly `length` bytes; rejects when the stream ends, errors or closes first. */
  read(length: number): Promise<Buffer> {
    const stream = this.#stream;
    return new Promise<Buffer>((resolve, reject) => {
      const cleanup = () => {
        stream.off('readable', attempt);
        stream.off('end', ended);
        stream.off('close', ended);
        stream.off('error', failed);
      };
      const ended = () => {
        cleanup();
        reject(new Error(`the connection ended while ${length} more bytes were expected`));
      };
      const failed = (error: Error) => {
        cleanup();
        reject(error);
      };
      function attempt() {
        const chunk: Buffer | null = stream.read(length);
        if (chunk === null) {
          if (stream.readableEnded || stream.destroyed) ended();
          return;
        }
        cleanup();
        // At the end of the stream `read(n)` hands out what is left, which may be short.
        if (chunk.length < length)
          reject(new Error(`the connection ended while ${length} bytes were expected`));
        else resolve(chunk);
      }
      if (stream.destroyed || stream.readableEnded) {
        reject(new Error(`the connection ended while ${length} bytes were expected`));
        return;
      }
      stream.on('readable', attempt);
      stream.on('end', ended);
      stream.on('close', ended);
      stream.on('error', failed);
      attempt();
    });
  }

  /** Reads a big-endian unsigned 32-bit integer. */
  async readUint32(): Promise<number> {
    return (await this.read(4)).readUInt32BE(0);
  }

  /** Reads a u32 length and that many bytes as UTF-8 (RFB's reason strings), refusing lengths over `max`. */
  async readString(max: number): Promise<string> {
    const length = await this.readUint32();
    if (length > max) throw new Error(`a ${length}-byte string is longer than the ${max} bytes allowed`);
    return length === 0 ? '' : (await this.read(length)).toString('utf8');
  }
}
