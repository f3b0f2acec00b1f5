import type { HypervisorError } from '@hvc/hypervisor-connector';

/** What a stream needs from its connection: sending its packets and pausing the socket for backpressure. */
export interface StreamChannel {
  /** Sends a data packet (STREAM/CONTINUE); `done` runs once the bytes are handed to the socket. */
  sendData(data: Uint8Array, done: (error?: Error | null) => void): void;
  /** Sends the finish handshake (STREAM/OK, empty). */
  sendFinish(): void;
  /** Sends an abort (STREAM/ERROR, empty), which the daemon confirms but we no longer wait for. */
  sendAbort(): void;
  /** Stops (`true`) or resumes (`false`) reading the socket while this stream's reader is full. */
  setReadPaused(paused: boolean): void;
  /** Forgets the stream: later packets for its serial are dropped. */
  release(): void;
}

/** Packets the connection routes to a stream by serial. */
export interface StreamPacketSink {
  /** Raw data (STREAM/CONTINUE with a payload). */
  onData(data: Buffer): void;
  /** End of the daemon's data (STREAM/CONTINUE, empty). */
  onEnd(): void;
  /** The daemon confirmed our finish (STREAM/OK). */
  onFinishConfirmed(): void;
  /** The daemon failed the stream (STREAM/ERROR, or REPLY/ERROR to our finish). */
  onError(error: HypervisorError): void;
}
