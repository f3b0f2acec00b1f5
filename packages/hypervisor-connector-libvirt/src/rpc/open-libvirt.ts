import { toHypervisorError } from '@hvc/hypervisor-connector';
import { connectWithin } from '../transport/connect-attempt.js';
import { parseLibvirtUri } from '../transport/libvirt-uri.js';
import { openTransport } from '../transport/open-transport.js';
import type { LibvirtTransportOptions } from '../transport/transport-options.js';
import { DEFAULT_KEEPALIVE, type KeepaliveOptions } from './keepalive.js';
import { LibvirtClient } from './libvirt-client.js';
import { openHandshake } from './open-handshake.js';
import { RpcConnection } from './rpc-connection.js';

/** Options of {@link openLibvirt}. */
export interface OpenLibvirtOptions extends LibvirtTransportOptions {
  /**
   * Keepalive: ping the daemon after `intervalMs` of silence and declare it dead after `intervalMs × count`
   * (every pending call then fails with UNAVAILABLE). Default 5000 ms × 5, like libvirt; `false` disables it.
   */
  readonly keepalive?: KeepaliveOptions | false;
  /** Aborts opening (CANCELLED). */
  readonly signal?: AbortSignal;
}

/**
 * Opens a connection to a libvirt daemon named by a libvirt URI — `qemu:///system`,
 * `qemu+unix:///system?socket=PATH`, `qemu+tcp://host/system`, `qemu+tls://host/system`,
 * `qemu+ssh://user@host/system` — and runs libvirt's opening handshake. Rejects with a `HypervisorError`:
 * INVALID_ARGUMENT for a bad URI or option, UNAVAILABLE when the daemon cannot be reached in
 * `connectTimeoutMs`, UNAUTHENTICATED when it refuses us, CANCELLED when `signal` aborts.
 */
export async function openLibvirt(uri: string, options: OpenLibvirtOptions = {}): Promise<LibvirtClient> {
  const parsed = parseLibvirtUri(uri);
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const keepalive = options.keepalive === undefined ? DEFAULT_KEEPALIVE : options.keepalive;
  return connectWithin(parsed.display, timeoutMs, options.signal, async (context) => {
    const stream = await openTransport(parsed, options, context);
    let client: LibvirtClient | undefined;
    const connection = new RpcConnection(stream, {
      target: parsed.display,
      // TLS records hold one message each for libvirtd; a byte stream takes queued messages in one write.
      messagePerWrite: parsed.transport === 'tls',
      onMessage: LibvirtClient.messageHandler(() => client),
    });
    try {
      const features = await openHandshake(connection, {
        name: parsed.name,
        readOnly: options.readOnly ?? false,
        keepalive,
        signal: context.signal,
        target: parsed.display,
      });
      client = new LibvirtClient(connection, parsed.display, features);
      return client;
    } catch (error) {
      // The deadline or the caller's abort wins over the call error it caused.
      const reason = toHypervisorError(
        context.signal.aborted ? context.signal.reason : error,
        parsed.display,
      );
      connection.destroy(reason);
      throw reason;
    }
  });
}
