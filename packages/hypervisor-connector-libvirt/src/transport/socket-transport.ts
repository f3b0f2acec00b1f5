import { createConnection, type Socket } from 'node:net';
import { UnavailableError } from '@hvc/hypervisor-connector';
import type { ConnectContext } from './connect-attempt.js';

/** The default socket of libvirtd's system instance (read-write; `-ro` for read-only). */
export const DEFAULT_UNIX_SOCKET = '/run/libvirt/libvirt-sock';

/** Errors of the connect step that mean "try again later" (the daemon is down or restarting). */
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** The UNAVAILABLE error of a failed connect, with the system error code in `details`. */
export function connectError(context: ConnectContext, error: Error): UnavailableError {
  const code = (error as NodeJS.ErrnoException).code;
  return new UnavailableError(`${context.target}: cannot connect to the libvirt daemon: ${error.message}`, {
    cause: error,
    retryable: code === undefined || RETRYABLE_CODES.has(code),
    details: { connect: true, ...(code === undefined ? {} : { code }) },
  });
}

/** Waits for `socket` to connect; destroys it when the attempt is abandoned. */
export function awaitConnect(socket: Socket, context: ConnectContext, event = 'connect'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      socket.destroy();
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    socket.once(event, () => {
      context.signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      resolve(socket);
    });
    const onError = (error: Error): void => {
      context.signal.removeEventListener('abort', onAbort);
      reject(connectError(context, error));
    };
    socket.once('error', onError);
  });
}

/** Connects to the daemon's unix socket. */
export function connectUnix(path: string, context: ConnectContext): Promise<Socket> {
  return awaitConnect(createConnection({ path }), context);
}

/** Connects over plain TCP (libvirtd `listen_tcp`, port 16509): no encryption, for trusted networks and tests. */
export async function connectTcp(host: string, port: number, context: ConnectContext): Promise<Socket> {
  const socket = await awaitConnect(createConnection({ host, port }), context);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 30_000);
  return socket;
}
