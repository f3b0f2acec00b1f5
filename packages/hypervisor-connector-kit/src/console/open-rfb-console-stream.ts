import type { Duplex } from 'node:stream';
import { CancelledError, type ConsoleStream, TimeoutError } from '@hvc/hypervisor-connector';
import { duplexConsoleStream } from './duplex-console-stream.js';
import { type RfbClientHandshakeOptions, rfbClientHandshake } from './rfb-client-handshake.js';

/** Options of {@link openRfbConsoleStream}. */
export interface OpenRfbConsoleStreamOptions extends RfbClientHandshakeOptions {
  /** Aborts the handshake (the duplex is destroyed, the call fails CANCELLED). Not watched once it succeeded. */
  readonly signal?: AbortSignal;
  /** The handshake's own bound; a server that stalls fails TIMEOUT. Default 15 s. */
  readonly handshakeTimeoutMs?: number;
}

/**
 * Runs the RFB client handshake on a connected duplex and hands it over as a `vnc` {@link ConsoleStream}
 * positioned right after SecurityResult. On any failure the duplex is destroyed before the typed error is thrown.
 */
export async function openRfbConsoleStream(
  duplex: Duplex,
  options: OpenRfbConsoleStreamOptions = {},
): Promise<ConsoleStream> {
  const { signal, handshakeTimeoutMs = 15_000, ...handshake } = options;
  const errorOptions = handshake.target === undefined ? {} : { target: handshake.target };
  let stop: ((error: Error) => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  const onAbort = () => stop?.(new CancelledError('the console handshake was aborted', errorOptions));
  const timer = setTimeout(
    () =>
      stop?.(new TimeoutError(`the VNC handshake took longer than ${handshakeTimeoutMs} ms`, errorOptions)),
    handshakeTimeoutMs,
  );
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) onAbort();
    const result = await Promise.race([rfbClientHandshake(duplex, handshake), stopped]);
    return duplexConsoleStream(duplex, 'vnc', result.version);
  } catch (error) {
    duplex.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
