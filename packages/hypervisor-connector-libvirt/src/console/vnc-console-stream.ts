import { createConnection, type Socket } from 'node:net';
import { type ConsoleStream, InternalError, UnavailableError } from '@hvc/hypervisor-connector';
import type { CallContext } from '@hvc/hypervisor-connector-kit';
import { openRfbConsoleStream } from '@hvc/hypervisor-connector-kit/console';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { openConsole } from './guest-console.js';
import type { TerminalTickets } from './terminal-tickets.js';

/** Where a VNC ticket of this connector says the guest's display listens. */
function vncEndpoint(raw: unknown): { host: string; port: number } {
  const { host, port } = (raw ?? {}) as { host?: unknown; port?: unknown };
  if (typeof host !== 'string' || typeof port !== 'number') {
    throw new InternalError('the VNC ticket names no display endpoint');
  }
  return { host, port };
}

/** Connects a TCP socket to a guest's VNC display, bounded by the connector's connect timeout and the signal. */
function connectDisplay(
  host: string,
  port: number,
  timeoutMs: number,
  call: CallContext,
  guest: string,
): Promise<Socket> {
  const errorOptions = call.target === undefined ? {} : { target: call.target };
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port, timeout: timeoutMs });
    const fail = (message: string, cause?: unknown) => {
      socket.destroy();
      call.signal?.removeEventListener('abort', onAbort);
      reject(
        new UnavailableError(`guest ${guest}: ${message}`, { ...errorOptions, ...(cause ? { cause } : {}) }),
      );
    };
    const onAbort = () => fail('connecting to its VNC display was aborted');
    call.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('timeout', () =>
      fail(`its VNC display at ${host}:${port} did not answer within ${timeoutMs} ms`),
    );
    socket.once('error', (error) =>
      fail(`cannot connect to its VNC display at ${host}:${port}: ${error.message}`, error),
    );
    socket.once('connect', () => {
      call.signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('timeout');
      socket.removeAllListeners('error');
      socket.setTimeout(0);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

/**
 * `openConsoleStream` for `vnc`: the same one-time VNC password and display endpoint `openConsole` gives (so
 * `console.vncWithoutPassword` decides alike for a display started without a password), then a TCP connection to
 * that display from this process and the kit's RFB client handshake. The display must be reachable from here:
 * its listen address, or the host's address when it listens on every interface (not through an SSH tunnel).
 */
export async function openVncConsoleStream(
  context: LibvirtContext,
  tickets: TerminalTickets,
  uuid: string,
  call: CallContext,
): Promise<ConsoleStream> {
  const ticket = await openConsole(context, tickets, uuid, { protocol: 'vnc' }, call.signal);
  const { host, port } = vncEndpoint(ticket.raw);
  const socket = await connectDisplay(host, port, context.config.connectTimeoutMs, call, uuid);
  return openRfbConsoleStream(socket, {
    ...(ticket.password === undefined ? {} : { password: ticket.password }),
    ...(call.signal === undefined ? {} : { signal: call.signal }),
    ...(call.target === undefined ? {} : { target: call.target }),
  });
}
