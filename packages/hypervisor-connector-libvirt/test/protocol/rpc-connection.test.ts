import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { CancelledError, isHypervisorError } from '@hvc/hypervisor-connector';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RemoteProcedure as P,
  RemoteConnectGetHostnameRetCodec,
  RemoteDomainLookupByNameArgsCodec,
} from '../../src/protocol/generated/remote-protocol.gen.js';
import { VirNetMessageStatus, VirNetMessageType } from '../../src/protocol/generated/virnet-protocol.gen.js';
import { LibvirtProtocolError } from '../../src/rpc/protocol-error.js';
import { remoteCall } from '../../src/rpc/remote-call.js';
import { RpcConnection } from '../../src/rpc/rpc-connection.js';
import { FakeDaemon, type FakePeer, unxdr, xdr } from './support/fake-daemon.js';

let daemon: FakeDaemon;
let connection: RpcConnection;
let peer: FakePeer;

async function connectTo(
  d: FakeDaemon,
  port: number,
): Promise<{ connection: RpcConnection; peer: FakePeer }> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  return { connection: new RpcConnection(socket, { target: 'test://daemon' }), peer: await d.peer() };
}

const hostname = (name: string): Uint8Array => xdr(RemoteConnectGetHostnameRetCodec, { hostname: name });
const getHostname = (signal?: AbortSignal) =>
  connection.call(remoteCall(P.REMOTE_PROC_CONNECT_GET_HOSTNAME, undefined), signal ? { signal } : {});

beforeEach(async () => {
  daemon = new FakeDaemon();
  ({ connection, peer } = await connectTo(daemon, await daemon.listen()));
});

afterEach(async () => {
  connection.destroy(new CancelledError('test over'));
  await daemon.close();
});

describe('calls', () => {
  it('multiplex on one connection and are matched to replies by serial', async () => {
    const calls = [getHostname(), getHostname(), getHostname()];
    const packets = [await peer.next(), await peer.next(), await peer.next()];
    expect(new Set(packets.map((p) => p.header.serial)).size).toBe(3);
    expect(packets.every((p) => p.header.type === VirNetMessageType.VIR_NET_CALL)).toBe(true);
    // Answered in reverse order: each call still gets its own reply.
    for (const [index, packet] of [...packets.entries()].reverse())
      peer.reply(packet, hostname(`host-${index}`));
    expect((await Promise.all(calls)).map((r) => r.hostname)).toEqual(['host-0', 'host-1', 'host-2']);
  });

  it('encode their arguments with the generated codec', async () => {
    const call = connection.call(remoteCall(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: 'vm1' }));
    const packet = await peer.next();
    expect(packet.header).toMatchObject({ prog: 0x20008086, vers: 1, proc: 23, type: 0, status: 0 });
    expect(unxdr(RemoteDomainLookupByNameArgsCodec, packet.payload)).toEqual({ name: 'vm1' });
    peer.fail(packet, 42, "Domain not found: no domain with matching name 'vm1'");
    await expect(call).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: "Domain not found: no domain with matching name 'vm1'",
      details: { libvirtCode: 42, libvirtDomain: 10, procedure: 'REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME' },
      target: 'test://daemon',
    });
  });

  it('refuse arguments outside the protocol bounds without sending anything', async () => {
    await expect(
      connection.call(remoteCall(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: 'x'.repeat(4194305) })),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/exceeds its bound of 4194304/),
    });
    // The next packet the daemon sees is the next call: nothing of the refused one went out.
    const next = getHostname();
    const packet = await peer.next();
    expect(packet.header.proc).toBe(P.REMOTE_PROC_CONNECT_GET_HOSTNAME);
    peer.reply(packet, hostname('h'));
    expect((await next).hostname).toBe('h');
  });

  it('fail with INTERNAL when a reply does not decode, and the connection goes on', async () => {
    const call = getHostname();
    peer.reply(await peer.next(), new Uint8Array([0, 0, 0, 9]));
    await expect(call).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/could not decode the reply/),
    });
    const next = getHostname();
    peer.reply(await peer.next(), hostname('still-here'));
    expect((await next).hostname).toBe('still-here');
  });

  it('reject with CANCELLED when aborted, drop the late reply and keep working', async () => {
    const controller = new AbortController();
    const call = getHostname(controller.signal);
    const packet = await peer.next();
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
    peer.reply(packet, hostname('late'));
    const next = getHostname();
    peer.reply(await peer.next(), hostname('next'));
    expect((await next).hostname).toBe('next');
  });

  it('do not send a call whose signal is already aborted', async () => {
    await expect(getHostname(AbortSignal.abort())).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(peer.received).toHaveLength(0);
  });
});

describe('writes', () => {
  /** Five calls on a connection over a transport that records the messages of each write it is handed. */
  async function writeBatches(options: { messagePerWrite?: boolean }): Promise<number[][]> {
    const batches: number[][] = [];
    const transport = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        batches.push([chunk.length]);
        setImmediate(callback);
      },
      writev(chunks, callback) {
        batches.push(chunks.map(({ chunk }) => (chunk as Buffer).length));
        setImmediate(callback);
      },
    });
    const local = new RpcConnection(transport, { target: 'test://writes', ...options });
    const calls = Array.from({ length: 5 }, () =>
      local.call(remoteCall(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name: 'vm' })).catch(() => {}),
    );
    await expect.poll(() => batches.flat().length).toBe(5);
    local.destroy(new CancelledError('test over'));
    await Promise.all(calls);
    return batches;
  }

  it('hand the transport one whole message at a time (TLS would pack queued writes into one record)', async () => {
    // Each write is one complete message: length word 28 + 8 bytes of arguments.
    expect(await writeBatches({})).toEqual(Array.from({ length: 5 }, () => [36]));
  });

  it('let a byte stream take queued messages in one write when asked (unix, TCP, SSH)', async () => {
    // Written in one turn of the event loop, the five leave in one writev.
    expect(await writeBatches({ messagePerWrite: false })).toEqual([[36, 36, 36, 36, 36]]);
  });
});

describe('connection loss', () => {
  it('rejects every pending call at once with UNAVAILABLE, retryable', async () => {
    const calls = [getHostname(), getHostname()];
    await peer.next();
    await peer.next();
    peer.socket.destroy();
    const results = await Promise.allSettled(calls);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(isHypervisorError(error, 'UNAVAILABLE')).toBe(true);
      expect(error.retryable).toBe(true);
    }
    expect((await connection.closed).reason).toBe('eof');
    await expect(getHostname()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('closes on an oversized frame length with a protocol error', async () => {
    const call = getHostname();
    await peer.next();
    peer.socket.write(Buffer.from('7fffffff', 'hex'));
    const error = await call.catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/protocol violation/),
    });
    expect((error as Error).cause).toBeInstanceOf(LibvirtProtocolError);
    expect((await connection.closed).reason).toBe('protocol');
  });

  it('closes on a frame too short to hold a header', async () => {
    const call = getHostname();
    await peer.next();
    peer.socket.write(Buffer.from('00000008deadbeef', 'hex'));
    await expect(call).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect((await connection.closed).reason).toBe('protocol');
  });

  it('fails pending calls when the peer closes in the middle of a frame', async () => {
    const call = getHostname();
    await peer.next();
    peer.socket.end(Buffer.from('000000400000', 'hex'));
    await expect(call).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect((await connection.closed).reason).toBe('eof');
  });

  it('fails pending calls with CANCELLED when the client ends the connection', async () => {
    const call = getHostname();
    await peer.next();
    const closed = await connection.end();
    expect(closed.reason).toBe('client');
    await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('keepalive', () => {
  it('answers the daemon’s PING with a PONG', async () => {
    peer.socket.write(
      Buffer.from(
        '0000001c' + '6b656570' + '00000001' + '00000001' + '00000002' + '00000000' + '00000000',
        'hex',
      ),
    );
    const pong = await peer.next();
    expect(pong.header).toEqual({ prog: 0x6b656570, vers: 1, proc: 2, type: 2, serial: 0, status: 0 });
  });

  it('pings a silent daemon and declares it dead after interval × count, failing pending calls', async () => {
    connection.startKeepalive({ intervalMs: 100, count: 3 });
    const started = performance.now();
    const call = getHostname();
    await peer.next();
    const pings: number[] = [];
    peer.autoReply = (packet) => {
      if (packet.header.prog === 0x6b656570) pings.push(packet.header.proc);
      return true;
    };
    const error = await call.catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
      message: expect.stringMatching(/keepalive/),
    });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
    expect(pings.length).toBeGreaterThanOrEqual(2);
    expect(pings.every((proc) => proc === 1)).toBe(true);
    expect((await connection.closed).reason).toBe('keepalive');
  });

  it('stays up while the daemon answers the pings', async () => {
    connection.startKeepalive({ intervalMs: 50, count: 2 });
    peer.autoReply = (packet) => {
      if (packet.header.prog !== 0x6b656570) return false;
      peer.send(
        { ...packet.header, proc: 2 },
        new Uint8Array(0),
        VirNetMessageType.VIR_NET_MESSAGE,
        VirNetMessageStatus.VIR_NET_OK,
      );
      return true;
    };
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(connection.isOpen).toBe(true);
  });
});
