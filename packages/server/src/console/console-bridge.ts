import type { ConsoleStream } from '@hvc/hypervisor-connector';
import type { Clock } from '@hvc/hypervisor-connector-kit';
import type { WebSocket } from 'ws';
import { CONSOLE_CLOSE } from './console-options.js';

/** Above this many bytes queued towards one side, the other side is no longer read. */
export const BRIDGE_HIGH_WATER_BYTES = 1024 * 1024;

/** How a bridged console ended. */
export interface BridgeEnd {
  readonly bytesToBrowser: number;
  readonly bytesToHypervisor: number;
  readonly reason: 'browser-closed' | 'hypervisor-closed' | 'idle' | 'max-session' | 'error';
}

/** When a bridged console is closed for its own sake. */
export interface BridgeLimits {
  /** No byte in either direction for this long, ms. */
  readonly idleTimeoutMs: number;
  /** Open this long, ms. */
  readonly maxSessionMs: number;
  /** The clock of both. */
  readonly clock: Clock;
}

/** The WebSocket close code and reason of each end the proxy decides. */
const CLOSE_FRAMES: Partial<Record<BridgeEnd['reason'], { code: number; reason: string }>> = {
  idle: CONSOLE_CLOSE.idle,
  'max-session': CONSOLE_CLOSE.maxSession,
  error: { code: 1011, reason: 'console error' },
};

/**
 * Pipes a browser's WebSocket and a hypervisor console stream both ways until either ends: `first` (bytes the
 * browser sent during the proxy's handshake) goes upstream first. Backpressure both ways — the hypervisor is not
 * read while the WebSocket has more than {@link BRIDGE_HIGH_WATER_BYTES} queued, the WebSocket is paused while the
 * upstream writer is full — an idle timeout with no byte either way and a maximum session length, each closing
 * the WebSocket with its own code and reason ({@link CONSOLE_CLOSE}). Either side closing closes the other.
 */
export function bridgeConsole(
  socket: WebSocket,
  stream: ConsoleStream,
  first: Buffer,
  limits: BridgeLimits,
): Promise<BridgeEnd> {
  const { clock } = limits;
  let bytesToBrowser = 0;
  let bytesToHypervisor = 0;
  let reason: BridgeEnd['reason'] | undefined;
  const writer = stream.writable.getWriter();
  return new Promise<BridgeEnd>((resolve) => {
    // Bytes only note the time; the idle timer, when it fires, waits again for what is left since the last one.
    let lastByteAt = clock.now();
    const touch = () => {
      lastByteAt = clock.now();
    };
    let idle: unknown;
    const waitIdle = (ms: number): void => {
      idle = clock.setTimeout(() => {
        const quietMs = clock.now() - lastByteAt;
        if (quietMs >= limits.idleTimeoutMs) finish('idle');
        else waitIdle(limits.idleTimeoutMs - quietMs);
      }, ms);
    };
    waitIdle(limits.idleTimeoutMs);
    const ending = clock.setTimeout(() => finish('max-session'), limits.maxSessionMs);
    function finish(why: BridgeEnd['reason']): void {
      if (reason !== undefined) return;
      reason = why;
      clock.clearTimeout(idle);
      clock.clearTimeout(ending);
      socket.off('message', onMessage);
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
        const frame = CLOSE_FRAMES[why];
        if (frame) socket.close(frame.code, frame.reason);
        else socket.close(1000);
      }
      void writer.abort().catch(() => {});
      void stream.close().finally(() => resolve({ bytesToBrowser, bytesToHypervisor, reason: why }));
    }
    const upstreamWrite = (chunk: Uint8Array) => {
      bytesToHypervisor += chunk.length;
      touch();
      writer.write(chunk).catch(() => finish('hypervisor-closed'));
      if ((writer.desiredSize ?? 1) <= 0) {
        socket.pause();
        writer.ready.then(
          () => socket.resume(),
          () => finish('hypervisor-closed'),
        );
      }
    };
    function onMessage(data: Buffer | ArrayBuffer | Buffer[]): void {
      const chunk = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      upstreamWrite(chunk);
    }
    socket.on('message', onMessage);
    socket.once('close', () => finish('browser-closed'));
    socket.once('error', () => finish('error'));
    if (first.length > 0) upstreamWrite(first);

    void (async () => {
      const reader = stream.readable.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done || reason !== undefined) break;
          bytesToBrowser += value.length;
          touch();
          if (socket.bufferedAmount > BRIDGE_HIGH_WATER_BYTES) {
            // Wait until this message has left, so a slow browser holds the hypervisor back.
            await new Promise<void>((sent) => socket.send(value, () => sent()));
          } else {
            socket.send(value);
          }
        }
        finish('hypervisor-closed');
      } catch {
        finish(reason ?? 'hypervisor-closed');
      } finally {
        reader.releaseLock();
      }
    })();
  });
}
