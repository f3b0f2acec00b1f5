import { X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  RemoteProcedure as P,
  RemoteConnectDomainEventCallbackDeregisterAnyArgsCodec,
  RemoteConnectDomainEventCallbackRegisterAnyArgsCodec,
  RemoteConnectDomainEventCallbackRegisterAnyRetCodec,
  RemoteConnectOpenArgsCodec,
  RemoteConnectSupportsFeatureArgsCodec,
  RemoteDomainEventCallbackLifecycleMsgCodec,
} from '../../src/protocol/generated/remote-protocol.gen.js';
import { VirNetMessageType as T } from '../../src/protocol/generated/virnet-protocol.gen.js';
import { DomainEventId } from '../../src/rpc/domain-events.js';
import type { LibvirtClient } from '../../src/rpc/libvirt-client.js';
import { openLibvirt } from '../../src/rpc/open-libvirt.js';
import { makeTestPki, type TestPki } from './support/certificates.js';
import { FakeDaemon, type FakePeer, unxdr, xdr } from './support/fake-daemon.js';

const daemons: FakeDaemon[] = [];
const clients: LibvirtClient[] = [];

async function fakeDaemon(
  server?: ConstructorParameters<typeof FakeDaemon>[0],
): Promise<{ daemon: FakeDaemon; port: number }> {
  const daemon = new FakeDaemon(server);
  daemons.push(daemon);
  return { daemon, port: await daemon.listen() };
}

async function open(uri: string, options: Parameters<typeof openLibvirt>[1] = {}): Promise<LibvirtClient> {
  const client = await openLibvirt(uri, { keepalive: false, connectTimeoutMs: 3000, ...options });
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(daemons.splice(0).map((daemon) => daemon.close()));
});

describe('opening', () => {
  it('follows the C client: AUTH_LIST, keepalive feature, CONNECT_OPEN with the stripped URI, event feature', async () => {
    const { daemon, port } = await fakeDaemon();
    const opening = openLibvirt(`qemu+tcp://127.0.0.1:${port}/system?extra=1`, {
      readOnly: true,
      keepalive: { intervalMs: 60_000, count: 5 },
      connectTimeoutMs: 3000,
    });
    const peer = await daemon.peer();
    const seen: string[] = [];
    peer.answerHandshake();
    const inner = peer.autoReply!;
    peer.autoReply = (packet) => {
      const { proc } = packet.header;
      if (proc === P.REMOTE_PROC_CONNECT_SUPPORTS_FEATURE) {
        seen.push(`feature ${unxdr(RemoteConnectSupportsFeatureArgsCodec, packet.payload).feature}`);
      } else if (proc === P.REMOTE_PROC_CONNECT_OPEN) {
        const args = unxdr(RemoteConnectOpenArgsCodec, packet.payload);
        seen.push(`open ${args.name} ${args.flags}`);
      } else {
        seen.push(`proc ${proc}`);
      }
      return inner(packet);
    };
    const client = await opening;
    clients.push(client);
    expect(seen).toEqual(['proc 66', 'feature 10', 'open qemu:///system?extra=1 1', 'feature 14']);
    expect(client.features).toEqual({ keepalive: true, eventCallbacks: true });
    expect(client.uri).toBe(`qemu+tcp://127.0.0.1:${port}/system?extra=1`);
  });

  it('refuses a daemon that demands SASL with a clear UNAUTHENTICATED error', async () => {
    const { daemon, port } = await fakeDaemon();
    const opening = openLibvirt(`qemu+tcp://127.0.0.1:${port}/system`, { keepalive: false });
    (await daemon.peer()).answerHandshake({ authTypes: [1] });
    await expect(opening).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringMatching(/requires SASL authentication.*SASL and polkit are not implemented/),
      details: { reason: 'auth-not-implemented', authTypes: [1] },
    });
  });

  it('gives up after connectTimeoutMs on a daemon that accepts but never answers', async () => {
    const { port } = await fakeDaemon();
    const started = performance.now();
    await expect(
      openLibvirt(`qemu+tcp://127.0.0.1:${port}/system`, { connectTimeoutMs: 300, keepalive: false }),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
      message: expect.stringMatching(/timed out after 300 ms/),
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('is UNAVAILABLE and retryable when nothing listens', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    await new Promise((resolve) => server.close(resolve));
    await expect(openLibvirt(`qemu+tcp://127.0.0.1:${port}/system`)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
      details: { code: 'ECONNREFUSED' },
    });
  });

  it('is CANCELLED when its signal aborts', async () => {
    const { port } = await fakeDaemon();
    const controller = new AbortController();
    const opening = openLibvirt(`qemu+tcp://127.0.0.1:${port}/system`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(opening).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('speaks over a unix socket named by ?socket=', async () => {
    const path = join(tmpdir(), `hvc-libvirt-${process.pid}-${Date.now()}.sock`);
    const daemon = new FakeDaemon();
    daemons.push(daemon);
    await daemon.listen(path);
    const opening = open(`qemu+unix:///system?socket=${path}`);
    (await daemon.peer()).answerHandshake();
    expect((await opening).isOpen).toBe(true);
  });

  it('leaves with CONNECT_CLOSE and closes the socket', async () => {
    const { daemon, port } = await fakeDaemon();
    const opening = openLibvirt(`qemu+tcp://127.0.0.1:${port}/system`, { keepalive: false });
    const peer = await daemon.peer();
    peer.answerHandshake();
    const client = await opening;
    const procs: number[] = [];
    const inner = peer.autoReply!;
    peer.autoReply = (packet) => {
      procs.push(packet.header.proc);
      return inner(packet);
    };
    const ended = new Promise((resolve) => peer.socket.once('end', resolve));
    await client.close();
    await ended;
    expect(procs).toEqual([P.REMOTE_PROC_CONNECT_CLOSE]);
    expect((await client.closed).reason).toBe('client');
    expect(client.isOpen).toBe(false);
  });
});

describe('domain events', () => {
  async function connected(): Promise<{ client: LibvirtClient; peer: FakePeer }> {
    const { daemon, port } = await fakeDaemon();
    const opening = open(`qemu+tcp://127.0.0.1:${port}/system`);
    const peer = await daemon.peer();
    peer.answerHandshake();
    return { client: await opening, peer };
  }

  const lifecycle = (callbackID: number, event: number) =>
    xdr(RemoteDomainEventCallbackLifecycleMsgCodec, {
      callbackID,
      msg: { dom: { name: 'vm1', uuid: new Uint8Array(16), id: 3 }, event, detail: 0 },
    });

  it('registers, delivers typed messages (even one right behind the reply) and deregisters', async () => {
    const { client, peer } = await connected();
    const events: number[] = [];
    const subscribing = client.onDomainEvent(DomainEventId.LIFECYCLE, (message) =>
      events.push(message.msg.event),
    );
    const register = await peer.next();
    expect(register.header.proc).toBe(P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY);
    expect(unxdr(RemoteConnectDomainEventCallbackRegisterAnyArgsCodec, register.payload)).toEqual({
      eventID: 0,
      dom: null,
    });
    peer.reply(register, xdr(RemoteConnectDomainEventCallbackRegisterAnyRetCodec, { callbackID: 7 }));
    const event = { ...register.header, proc: P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE, serial: 0 };
    peer.send(event, lifecycle(7, 2), T.VIR_NET_MESSAGE);
    const subscription = await subscribing;
    expect(subscription.callbackId).toBe(7);
    peer.send(event, lifecycle(99, 3), T.VIR_NET_MESSAGE);
    peer.send(event, lifecycle(7, 5), T.VIR_NET_MESSAGE);
    await expect.poll(() => events).toEqual([2, 5]);

    const closing = subscription.close();
    const deregister = await peer.next();
    expect(deregister.header.proc).toBe(P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY);
    expect(unxdr(RemoteConnectDomainEventCallbackDeregisterAnyArgsCodec, deregister.payload)).toEqual({
      callbackID: 7,
    });
    peer.send(event, lifecycle(7, 4), T.VIR_NET_MESSAGE);
    peer.reply(deregister);
    await closing;
    expect(events).toEqual([2, 5]);
  });
});

describe('TLS', () => {
  let pki: TestPki;
  const made: TestPki[] = [];
  beforeAll(() => {
    pki = makeTestPki();
    made.push(pki);
  });
  afterAll(() => {
    for (const { dir } of made) rmSync(dir, { recursive: true, force: true });
  });

  async function tlsDaemon(confirmation: number | null): Promise<{ daemon: FakeDaemon; port: number }> {
    const server = createTlsServer({
      key: pki.serverKey,
      cert: pki.serverCert,
      ca: pki.ca,
      requestCert: true,
      rejectUnauthorized: true,
    });
    server.on('secureConnection', (socket) => {
      if (confirmation === null) socket.end();
      else socket.write(Buffer.from([confirmation]));
    });
    return fakeDaemon(server);
  }

  it('opens with the CA and client certificate of ?pkipath= once the daemon confirms with 0x01', async () => {
    const { daemon, port } = await tlsDaemon(1);
    const opening = open(`qemu+tls://localhost:${port}/system?pkipath=${pki.dir}`);
    (await daemon.peer()).answerHandshake();
    expect((await opening).isOpen).toBe(true);
  });

  it('accepts a pinned SHA-256 fingerprint instead of a CA', async () => {
    const { daemon, port } = await tlsDaemon(1);
    const fingerprint = new X509Certificate(pki.serverCert).fingerprint256;
    const opening = open(`qemu+tls://127.0.0.1:${port}/system`, {
      tls: { trust: { fingerprint }, cert: pki.clientCert, key: pki.clientKey },
    });
    (await daemon.peer()).answerHandshake();
    expect((await opening).isOpen).toBe(true);
  });

  it('refuses a certificate that matches no pin, before sending anything', async () => {
    const { port } = await tlsDaemon(1);
    await expect(
      openLibvirt(`qemu+tls://127.0.0.1:${port}/system`, {
        tls: { trust: { fingerprint: 'AB'.repeat(32) }, cert: pki.clientCert, key: pki.clientKey },
      }),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: false,
      details: { reason: 'tls-fingerprint-mismatch' },
    });
  });

  it('reports a daemon that refuses our certificate (no 0x01) as UNAUTHENTICATED', async () => {
    for (const confirmation of [0, null]) {
      const { port } = await tlsDaemon(confirmation);
      await expect(
        openLibvirt(`qemu+tls://localhost:${port}/system?pkipath=${pki.dir}`, { keepalive: false }),
      ).rejects.toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'tls-client-refused' } });
    }
  });

  it('refuses a daemon whose certificate the CA did not sign', async () => {
    const { port } = await tlsDaemon(1);
    const other = makeTestPki();
    made.push(other);
    await expect(
      openLibvirt(`qemu+tls://localhost:${port}/system`, {
        tls: { trust: { ca: other.ca }, cert: pki.clientCert, key: pki.clientKey },
      }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: false });
  });

  it('validates the trust with the kit’s schema', async () => {
    await expect(
      openLibvirt('qemu+tls://localhost:1/system', { tls: { trust: { fingerprint: 'not-hex' } } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
