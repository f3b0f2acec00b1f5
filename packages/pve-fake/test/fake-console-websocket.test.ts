import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { rfbClientHandshake, StreamByteReader } from '@hvc/hypervisor-connector-kit/console';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebsocketClientDuplex } from '../../hypervisor-connector-proxmox/src/console/websocket-client-duplex.js';
import { createPveFake, type PveFake, type PveFakeServer } from '../src/index.js';
import { createRawClient, type RawPveClient } from './support/raw-client.js';

// The console chain behind vncwebsocket: pveproxy's websocket framing, the proxy's one connection, and VNC
// authentication with the vncproxy password, over the fake's HTTPS server.
let fake: PveFake;
let server: PveFakeServer;
let pve: RawPveClient;
beforeAll(async () => {
  fake = createPveFake({
    nodes: 2,
    guests: [
      { type: 'qemu', vmid: 100, name: 'running-vm', status: 'running', node: 'pve1' },
      { type: 'qemu', vmid: 101, name: 'stopped-vm', node: 'pve1' },
      { type: 'lxc', vmid: 102, name: 'running-ct', status: 'running', node: 'pve2' },
    ],
    taskDurationMs: 10,
  });
  server = await fake.listen();
  pve = createRawClient(server, { token: fake.credentials.tokenId, secret: fake.credentials.tokenSecret });
});
afterAll(async () => {
  await pve.close();
  await fake.close();
});

interface Proxy {
  readonly port: string;
  readonly ticket: string;
  readonly password?: string;
  readonly upid: string;
}

async function vncproxy(guest: string, params: Record<string, number> = { websocket: 1 }): Promise<Proxy> {
  const node = guest === 'lxc/102' ? 'pve2' : 'pve1';
  const answer = await pve.call('POST', `/nodes/${node}/${guest}/vncproxy`, params);
  expect(answer.status).toBe(200);
  return (answer.body as { data: Proxy }).data;
}

/** What a websocket upgrade got: the upgraded socket, an HTTP answer, or the connection dropped. */
type Upgrade =
  | { readonly kind: 'upgraded'; readonly socket: Duplex }
  | { readonly kind: 'answered'; readonly status: number; readonly reason: string }
  | { readonly kind: 'dropped' };

function upgrade(guest: string, proxy: Pick<Proxy, 'port' | 'ticket'>): Promise<Upgrade> {
  const node = guest === 'lxc/102' ? 'pve2' : 'pve1';
  const query = `port=${proxy.port}&vncticket=${encodeURIComponent(proxy.ticket)}`;
  return new Promise((resolve) => {
    const request = httpsRequest(`${server.url}/api2/json/nodes/${node}/${guest}/vncwebsocket?${query}`, {
      ca: server.ca,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        Authorization: `PVEAPIToken=${fake.credentials.tokenId}=${fake.credentials.tokenSecret}`,
      },
    });
    request.on('upgrade', (_response: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (head.length > 0) socket.unshift(head);
      resolve({ kind: 'upgraded', socket });
    });
    request.on('response', (response) => {
      response.resume();
      resolve({ kind: 'answered', status: response.statusCode ?? 0, reason: response.statusMessage ?? '' });
    });
    request.on('error', () => resolve({ kind: 'dropped' }));
    request.end();
  });
}

async function upgraded(guest: string, proxy: Proxy): Promise<WebsocketClientDuplex> {
  const result = await upgrade(guest, proxy);
  if (result.kind !== 'upgraded') throw new Error(`not upgraded: ${JSON.stringify(result)}`);
  return new WebsocketClientDuplex(result.socket);
}

async function taskStatus(upid: string): Promise<unknown> {
  const node = upid.split(':')[1];
  return (
    (await pve.call('GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`)).body as {
      data: { exitstatus?: string };
    }
  ).data.exitstatus;
}

describe('console websockets', () => {
  it('carry RFB that asks for VNC authentication with the vncproxy password, then a framebuffer', async () => {
    for (const guest of ['qemu/100', 'lxc/102']) {
      const proxy = await vncproxy(guest);
      expect(proxy.password).toMatch(/^[!-`]{8}$/);
      const websocket = await upgraded(guest, proxy);
      const reader = new StreamByteReader(websocket);
      expect((await reader.read(12)).toString('latin1')).toBe('RFB 003.008\n');
      websocket.write('RFB 003.008\n');
      // qm vncproxy sets a password on QEMU's display and vncterm takes one: VNC authentication only.
      expect([...(await reader.read(2))]).toEqual([1, 2]);
      websocket.destroy();
    }
  });

  it('authenticate with the password (the ticket prefix serves too) and refuse any other', async () => {
    const proxy = await vncproxy('qemu/100');
    const right = await upgraded('qemu/100', proxy);
    expect(await rfbClientHandshake(right, { password: proxy.ticket })).toEqual({
      version: '3.8',
      securityType: 2,
    });
    right.write(Uint8Array.of(1)); // ClientInit
    const reader = new StreamByteReader(right);
    const init = await reader.read(24);
    expect([init.readUInt16BE(0), init.readUInt16BE(2)]).toEqual([64, 48]);
    expect((await reader.read(init.readUInt32BE(20))).toString()).toBe('running-vm');
    right.destroy();

    const other = await vncproxy('qemu/100');
    const wrong = await upgraded('qemu/100', other);
    await expect(rfbClientHandshake(wrong, { password: 'not-it!!' })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('authentication failed'),
    });
  });

  it('take one client: the proxy stops listening once attached, and pveproxy then drops the connection', async () => {
    const proxy = await vncproxy('qemu/100');
    const first = await upgraded('qemu/100', proxy);
    expect(await upgrade('qemu/100', proxy)).toEqual({ kind: 'dropped' });
    first.destroy();
    fake.finishTasks();
    expect(await taskStatus(proxy.upid)).toBe('OK');
  });

  it('are dropped after the proxy timed out waiting, and its task ends "connection timed out"', async () => {
    const proxy = await vncproxy('qemu/100');
    fake.finishTasks();
    expect(await taskStatus(proxy.upid)).toBe('connection timed out');
    expect(await upgrade('qemu/100', proxy)).toEqual({ kind: 'dropped' });
  });

  it('close right after the upgrade for a VM that is not running (qm vncproxy cannot set its password)', async () => {
    const proxy = await vncproxy('qemu/101');
    const websocket = await upgraded('qemu/101', proxy);
    await expect(new StreamByteReader(websocket).read(12)).rejects.toThrow(/ended/);
  });

  it('refuse a ticket of another guest, another port, or older than 40 s with 401 and upgrade nothing', async () => {
    const proxy = await vncproxy('qemu/100');
    const ct = await vncproxy('lxc/102');
    expect(await upgrade('qemu/100', { port: ct.port, ticket: ct.ticket })).toEqual({
      kind: 'answered',
      status: 401,
      reason: 'permission denied - invalid PVEVNC ticket',
    });
    const otherPort = String(Number(proxy.port) === 5999 ? 5998 : Number(proxy.port) + 1);
    expect(await upgrade('qemu/100', { port: otherPort, ticket: proxy.ticket })).toMatchObject({
      kind: 'answered',
      status: 401,
    });
    const stale = await vncproxy('qemu/100');
    fake.clock.advance(41_000);
    expect(await upgrade('qemu/100', stale)).toMatchObject({ kind: 'answered', status: 401 });
  });

  it('drop a client that breaks pveproxy framing (an unmasked frame), as websocket_proxy does', async () => {
    const proxy = await vncproxy('qemu/100');
    const result = await upgrade('qemu/100', proxy);
    if (result.kind !== 'upgraded') throw new Error('not upgraded');
    const reader = new StreamByteReader(result.socket);
    await reader.read(2 + 12); // the server's ProtocolVersion in one binary frame
    result.socket.write(Buffer.concat([Buffer.of(0x82, 12), Buffer.from('RFB 003.008\n')]));
    await expect(reader.read(1)).rejects.toThrow(/ended/);
  });
});
