import { Duplex } from 'node:stream';
import type { HypervisorError } from '@hvc/hypervisor-connector';
import { VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX } from '../protocol/generated/virnet-protocol.gen.js';
import type { StreamChannel, StreamPacketSink } from './stream-channel.js';

/**
 * A libvirt stream (console, volume upload or download) as a Node `Duplex`. Reading yields the daemon's data;
 * writing sends data packets. Backpressure works both ways: writes complete when the socket has taken the
 * bytes, and when the reader falls behind the connection stops reading its socket until the reader catches up
 * (so the daemon, which sends one packet at a time, waits too — but so do other calls on the connection; use a
 * connection of its own for a long transfer read slowly).
 *
 * Ending follows libvirt: `end()` (or the daemon's end of data) sends the finish handshake and the stream
 * closes once the daemon confirms it, so an upload is complete only after `'finish'`. `destroy()` aborts the
 * stream on the daemon. Errors of the daemon arrive as `HypervisorError`s.
 */
export class LibvirtStream extends Duplex implements StreamPacketSink {
  readonly #channel: StreamChannel;
  #finishSent = false;
  #finishCallback: ((error?: Error | null) => void) | undefined;
  #remoteEnded = false;
  #readPaused = false;
  #done = false;
  #delivered = false;

  /** @internal Made by the connection when a stream-opening call succeeds. */
  constructor(channel: StreamChannel, options: { highWaterMark?: number } = {}) {
    super({ allowHalfOpen: true, highWaterMark: options.highWaterMark ?? 1024 * 1024 });
    this.#channel = channel;
  }

  /** @internal The open call succeeded and the caller holds the stream (and listens for its errors). */
  markDelivered(): void {
    this.#delivered = true;
  }

  override _read(): void {
    if (this.#readPaused) {
      this.#readPaused = false;
      this.#channel.setReadPaused(false);
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // libvirt reads at most VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX per packet from its own streams; send the same.
    const pieces: Buffer[] = [];
    for (let at = 0; at < chunk.length; at += VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX) {
      pieces.push(chunk.subarray(at, at + VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX));
    }
    const last = pieces.pop();
    if (last === undefined) {
      callback();
      return;
    }
    for (const piece of pieces) this.#channel.sendData(piece, () => {});
    this.#channel.sendData(last, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#finishCallback = callback;
    this.#sendFinish();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#done) {
      this.#done = true;
      // Not finished: tell the daemon to abort its side (it drops any data still in flight). Once the finish
      // handshake is under way (a reader that stops at the end, as `for await` does) it is left to complete.
      if (!this.#finishSent) this.#channel.sendAbort();
      this.#channel.release();
    }
    if (this.#readPaused) this.#channel.setReadPaused(false);
    callback(error);
  }

  #sendFinish(): void {
    if (this.#finishSent) return;
    this.#finishSent = true;
    this.#channel.sendFinish();
  }

  /** @internal */
  onData(data: Buffer): void {
    if (this.#remoteEnded || this.destroyed) return;
    if (!this.push(data) && !this.#readPaused) {
      this.#readPaused = true;
      this.#channel.setReadPaused(true);
    }
  }

  /** @internal */
  onEnd(): void {
    if (this.#remoteEnded) return;
    this.#remoteEnded = true;
    this.push(null);
    // The daemon has no more data: finish our side as virStreamFinish does (after any writes still queued).
    if (!this.writableEnded) this.end();
  }

  /** @internal */
  onFinishConfirmed(): void {
    this.#done = true;
    this.#channel.release();
    if (!this.#remoteEnded) {
      this.#remoteEnded = true;
      this.push(null);
    }
    const callback = this.#finishCallback;
    this.#finishCallback = undefined;
    callback?.();
  }

  /** @internal */
  onError(error: HypervisorError): void {
    this.#done = true;
    this.#channel.release();
    const callback = this.#finishCallback;
    this.#finishCallback = undefined;
    if (callback) callback(error);
    // Before the caller holds the stream nobody listens for its errors: its open call reports the failure.
    else this.destroy(this.#delivered ? error : undefined);
  }
}
