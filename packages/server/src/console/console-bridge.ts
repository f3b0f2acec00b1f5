import type { ConsoleStream } from '@hvc/hypervisor-connector';
import type { WebSocket } from 'ws';

/** Above this many bytes queued towards one side, the other side is no longer read. */
export const BRIDGE_HIGH_WATER_BYTES = 1024 * 1024;

/** How a bridged console ended. */
export interface BridgeEnd {
  readonly bytesToBrowser: number;
  readonly bytesToHypervisor: number;
  readonly reason: 'browser-closed' | 'hypervisor-closed' | 'idle' | 'error';
}

/**
 * Pipes a browser's WebSocket and a hypervisor console stream both ways until either ends: `first` (bytes the
 * browser sent during the proxy's handshake) goes upstream first. Backpressure both ways — the hypervisor is not
 * read while the WebSocket has more than {@link BRIDGE_HIGH_WATER_BYTES} queued, the WebSocket is paused while the
 * upstream writer is full — and an idle timeout with no byte either way. Either side closing closes the other.
 */
export function bridgeConsole(
  socket: WebSocket,
  stream: ConsoleStream,
  first: Buffer,
  idleTimeoutMs: number,
): Promise<BridgeEnd> {
  let bytesToBrowser = 0;
  let bytesToHypervisor = 0;
  let reason: BridgeEnd['reason'] | undefined;
  const writer = stream.writable.getWriter();
  return new Promise<BridgeEnd>((resolve) => {
    const idle = setTimeout(() => finish('idle'), idleTimeoutMs);
    idle.unref();
    function finish(why: BridgeEnd['reason']): void {
      if (reason !== undefined) return;
      reason = why;
      clearTimeout(idle);
      socket.off('message', onMessage);
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
        socket.close(why === 'error' ? 1011 : 1000);
      }
      void writer.abort().catch(() => {});
      void stream.close().finally(() => resolve({ bytesToBrowser, bytesToHypervisor, reason: why }));
    }
    const upstreamWrite = (chunk: Uint8Array) => {
      bytesToHypervisor += chunk.length;
      idle.refresh();
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
          idle.refresh();
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
