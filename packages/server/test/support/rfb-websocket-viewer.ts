import { once } from 'node:events';
import { type ClientOptions, WebSocket } from 'ws';

/** An open console WebSocket and exact reads across its messages. */
export interface ConsoleSocket {
  readonly socket: WebSocket;
  read(length: number): Promise<Buffer>;
}

/** Opens a console WebSocket as noVNC does (subprotocol `binary`); rejects with `status` when refused. */
export function openConsoleSocket(url: string, options: ClientOptions = {}): Promise<ConsoleSocket> {
  const socket = new WebSocket(url, ['binary'], options);
  let pending = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let closed = false;
  socket.on('message', (data: Buffer) => {
    pending = Buffer.concat([pending, data]);
    wake?.();
  });
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  const read = async (length: number) => {
    while (pending.length < length) {
      if (closed) throw new Error('the console closed');
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    const out = pending.subarray(0, length);
    pending = pending.subarray(length);
    return out;
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, read }));
    socket.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

/** The HTTP status a console URL answers: 101 when it upgrades (the socket is closed again). */
export function consoleStatus(url: string, options: ClientOptions = {}): Promise<number | undefined> {
  return openConsoleSocket(url, options).then(
    ({ socket }) => {
      socket.close();
      return 101;
    },
    (error: { status?: number }) => error.status,
  );
}

/** What a viewer saw of the desktop. */
export interface ViewedDesktop {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** The first FramebufferUpdate's rectangle count and the first rectangle's encoding. */
  readonly rectangles: number;
  readonly encoding: number;
}

/**
 * RFB 3.8 as a viewer speaks it through the proxy: version, security None (the only type offered), ClientInit,
 * ServerInit, then one full-screen FramebufferUpdateRequest and the header of the update that answers it.
 */
export async function viewDesktop(url: string, options: ClientOptions = {}): Promise<ViewedDesktop> {
  const { socket, read, width, height, name } = await openDesktop(url, options);
  const update = await requestUpdate({ socket, read }, width, height);
  socket.close();
  await once(socket, 'close');
  return { name, width, height, rectangles: update.readUInt16BE(2), encoding: update.readInt32BE(12) };
}

/** A console past RFB's initialisation, left open: the socket, and the desktop's size and name. */
export async function openDesktop(
  url: string,
  options: ClientOptions = {},
): Promise<ConsoleSocket & { width: number; height: number; name: string }> {
  const { socket, read } = await openConsoleSocket(url, options);
  if (socket.protocol !== 'binary') throw new Error(`subprotocol ${socket.protocol}`);
  const version = (await read(12)).toString();
  if (version !== 'RFB 003.008\n') throw new Error(`the proxy sent ${JSON.stringify(version)}`);
  socket.send(Buffer.from('RFB 003.008\n'));
  const types = [...(await read(2))];
  if (types.join() !== '1,1') throw new Error(`security types ${types.join()}`);
  socket.send(Buffer.of(1));
  if ((await read(4)).readUInt32BE(0) !== 0) throw new Error('SecurityResult failed');
  socket.send(Buffer.of(1));
  const init = await read(24);
  const width = init.readUInt16BE(0);
  const height = init.readUInt16BE(2);
  const name = (await read(init.readUInt32BE(20))).toString();
  return { socket, read, width, height, name };
}

/** Sends a full-screen FramebufferUpdateRequest and reads the header of the update that answers it. */
export async function requestUpdate(console: ConsoleSocket, width: number, height: number): Promise<Buffer> {
  const request = Buffer.alloc(10);
  request.writeUInt8(3, 0);
  request.writeUInt16BE(width, 6);
  request.writeUInt16BE(height, 8);
  console.socket.send(request);
  const update = await console.read(16);
  if (update[0] !== 0) throw new Error(`server message ${update[0]} instead of FramebufferUpdate`);
  return update;
}
