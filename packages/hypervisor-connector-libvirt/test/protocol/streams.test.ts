import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CancelledError } from '@hvc/hypervisor-connector';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteProcedure as P } from '../../src/protocol/generated/remote-protocol.gen.js';
import {
  VirNetMessageStatus as S,
  VirNetMessageType as T,
} from '../../src/protocol/generated/virnet-protocol.gen.js';
import { remoteCall } from '../../src/rpc/remote-call.js';
import { RpcConnection } from '../../src/rpc/rpc-connection.js';
import { FakeDaemon, type FakePeer, remoteError } from './support/fake-daemon.js';

const vol = { pool: 'p', name: 'v', key: '/p/v' };
let daemon: FakeDaemon;
let connection: RpcConnection;
let peer: FakePeer;

beforeEach(async () => {
  daemon = new FakeDaemon();
  const port = await daemon.listen();
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  connection = new RpcConnection(socket, { target: 'test://daemon' });
  peer = await daemon.peer();
});

afterEach(async () => {
  connection.destroy(new CancelledError('test over'));
  await daemon.close();
});

const download = (options: { signal?: AbortSignal; highWaterMark?: number } = {}) =>
  connection.openStream(
    remoteCall(P.REMOTE_PROC_STORAGE_VOL_DOWNLOAD, { vol, offset: 0n, length: 0n, flags: 0 }),
    options,
  );

describe('streams', () => {
  it('deliver the daemon’s data, end at its empty packet and finish with the handshake', async () => {
    const opening = download();
    const call = await peer.next();
    peer.reply(call);
    // Data right behind the reply, in the same TCP segment, is not lost.
    peer.send(call.header, Buffer.from('hello '), T.VIR_NET_STREAM, S.VIR_NET_CONTINUE);
    const { stream } = await opening;
    peer.send(call.header, Buffer.from('world'), T.VIR_NET_STREAM, S.VIR_NET_CONTINUE);
    peer.send(call.header, new Uint8Array(0), T.VIR_NET_STREAM, S.VIR_NET_CONTINUE);
    const chunks: Buffer[] = [];
    const read = (async () => {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    })();
    const finish = await peer.next();
    expect(finish.header).toMatchObject({
      type: T.VIR_NET_STREAM,
      status: S.VIR_NET_OK,
      serial: call.header.serial,
    });
    expect(finish.payload.length).toBe(0);
    peer.send(call.header, new Uint8Array(0), T.VIR_NET_STREAM, S.VIR_NET_OK);
    await read;
    expect(Buffer.concat(chunks).toString()).toBe('hello world');
    // Finished cleanly: no abort follows the finish.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(peer.received).toEqual([]);
  });

  it('send written data as packets of at most 262120 bytes and complete only when the daemon confirms', async () => {
    const opening = connection.openStream(
      remoteCall(P.REMOTE_PROC_STORAGE_VOL_UPLOAD, { vol, offset: 0n, length: 0n, flags: 0 }),
    );
    const call = await peer.next();
    peer.reply(call);
    const { stream } = await opening;
    const data = Buffer.alloc(600_000, 7);
    let confirmed = false;
    const upload = pipeline(Readable.from([data]), stream).then(() => {
      expect(confirmed).toBe(true);
    });
    const sizes: number[] = [];
    for (;;) {
      const packet = await peer.next();
      expect(packet.header).toMatchObject({
        type: T.VIR_NET_STREAM,
        serial: call.header.serial,
        proc: call.header.proc,
      });
      if (packet.header.status === S.VIR_NET_OK) break;
      expect(packet.header.status).toBe(S.VIR_NET_CONTINUE);
      sizes.push(packet.payload.length);
    }
    expect(sizes).toEqual([262120, 262120, 600_000 - 2 * 262120]);
    confirmed = true;
    peer.send(call.header, new Uint8Array(0), T.VIR_NET_STREAM, S.VIR_NET_OK);
    await upload;
  });

  it('fail with the daemon’s error', async () => {
    const opening = download();
    const call = await peer.next();
    peer.reply(call);
    const { stream } = await opening;
    peer.send(
      call.header,
      remoteError(38, 'cannot read /p/v: Input/output error'),
      T.VIR_NET_STREAM,
      S.VIR_NET_ERROR,
    );
    await expect(
      (async () => {
        for await (const _ of stream) {
          // drain
        }
      })(),
    ).rejects.toMatchObject({ code: 'OPERATION_FAILED', message: 'cannot read /p/v: Input/output error' });
  });

  it('abort on the daemon when destroyed', async () => {
    const opening = download();
    const call = await peer.next();
    peer.reply(call);
    const { stream } = await opening;
    stream.destroy();
    const abort = await peer.next();
    expect(abort.header).toMatchObject({
      type: T.VIR_NET_STREAM,
      status: S.VIR_NET_ERROR,
      serial: call.header.serial,
    });
  });

  it('are not opened when the daemon refuses the call', async () => {
    const opening = download();
    peer.fail(await peer.next(), 50, 'Storage volume not found');
    await expect(opening).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('stop reading the socket while the reader is full, and resume when it reads', async () => {
    const opening = download({ highWaterMark: 16 });
    const call = await peer.next();
    peer.reply(call);
    const { stream } = await opening;
    for (let i = 0; i < 50; i++)
      peer.send(call.header, Buffer.alloc(1024, i), T.VIR_NET_STREAM, S.VIR_NET_CONTINUE);
    peer.send(call.header, new Uint8Array(0), T.VIR_NET_STREAM, S.VIR_NET_CONTINUE);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // One packet over the high-water mark, then nothing until the reader reads.
    expect(stream.readableLength).toBeLessThanOrEqual(2048);
    let total = 0;
    const read = (async () => {
      for await (const chunk of stream) total += (chunk as Buffer).length;
    })();
    const finish = await peer.next();
    peer.send(finish.header, new Uint8Array(0), T.VIR_NET_STREAM, S.VIR_NET_OK);
    await read;
    expect(total).toBe(50 * 1024);
  });

  it('opened and then abandoned by the caller are aborted once the daemon opens them', async () => {
    const controller = new AbortController();
    const opening = download({ signal: controller.signal });
    const call = await peer.next();
    controller.abort();
    await expect(opening).rejects.toMatchObject({ code: 'CANCELLED' });
    peer.reply(call);
    const abort = await peer.next();
    expect(abort.header).toMatchObject({
      type: T.VIR_NET_STREAM,
      status: S.VIR_NET_ERROR,
      serial: call.header.serial,
    });
  });

  it('are destroyed with UNAVAILABLE when the connection is lost', async () => {
    const opening = download();
    const call = await peer.next();
    peer.reply(call);
    const { stream } = await opening;
    const failed = new Promise((resolve) => stream.once('error', resolve));
    peer.socket.destroy();
    expect(await failed).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });
});
