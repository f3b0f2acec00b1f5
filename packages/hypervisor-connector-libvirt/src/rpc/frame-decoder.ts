import {
  VIR_NET_MESSAGE_HEADER_MAX,
  VIR_NET_MESSAGE_LEN_MAX,
} from '../protocol/generated/virnet-protocol.gen.js';
import { LibvirtProtocolError } from './protocol-error.js';

/** The smallest legal frame: the length word that counts itself, then the 24-byte header. */
export const MIN_FRAME_LENGTH = VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_HEADER_MAX;

/**
 * Cuts a byte stream into libvirt frames: a 4-byte big-endian length that counts itself, then that many bytes
 * less four. The length is checked before anything is buffered for it, so at most one frame of at most
 * `maxFrameLength` bytes is ever held; a length outside `28..maxFrameLength` throws {@link LibvirtProtocolError}
 * and the decoder must not be used again (the stream has lost its framing).
 */
export class FrameDecoder {
  readonly #maxFrameLength: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** The length of the frame being assembled, once its length word has arrived. */
  #expected: number | undefined;

  constructor(maxFrameLength: number) {
    this.#maxFrameLength = maxFrameLength;
  }

  /** Bytes held that do not yet form a whole frame. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Adds `chunk` and returns every frame it completes, each without its length word. */
  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.#expected === undefined) {
        if (this.#buffered < VIR_NET_MESSAGE_LEN_MAX) break;
        const length = this.#take(VIR_NET_MESSAGE_LEN_MAX).readUInt32BE(0);
        if (length < MIN_FRAME_LENGTH || length > this.#maxFrameLength) {
          this.#chunks = [];
          this.#buffered = 0;
          throw new LibvirtProtocolError(
            `frame length ${length} is outside ${MIN_FRAME_LENGTH}..${this.#maxFrameLength} (VIR_NET_MESSAGE_MAX): ` +
              'the peer does not speak the libvirt protocol or the stream is corrupt',
          );
        }
        this.#expected = length - VIR_NET_MESSAGE_LEN_MAX;
      }
      if (this.#buffered < this.#expected) break;
      frames.push(this.#take(this.#expected));
      this.#expected = undefined;
    }
    return frames;
  }

  /** Removes and returns the next `count` buffered bytes (copied only when they span chunks). */
  #take(count: number): Buffer {
    const first = this.#chunks[0]!;
    let out: Buffer;
    if (first.length >= count) {
      out = first.subarray(0, count);
      if (first.length === count) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(count);
    } else {
      const all = Buffer.concat(this.#chunks, this.#buffered);
      out = all.subarray(0, count);
      this.#chunks = all.length > count ? [all.subarray(count)] : [];
    }
    this.#buffered -= count;
    return out;
  }
}
