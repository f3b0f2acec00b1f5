import { connect } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { UPID_PATTERN } from '@hvc/hypervisor-connector-proxmox';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake, type PveFakeServer } from '../src/index.js';
import { createRawClient, type RawPveClient } from './support/raw-client.js';

type Data<T = unknown> = { data: T; message?: string; errors?: Record<string, string> };

describe('PVE fake over HTTPS', () => {
  let fake: PveFake;
  let server: PveFakeServer;
  let api: RawPveClient;

  beforeAll(async () => {
    fake = createPveFake({ nodes: 2, guests: { qemu: 2 }, taskDurationMs: 5 });
    server = await fake.listen();
    api = createRawClient(server, { token: fake.credentials.tokenId, secret: fake.credentials.tokenSecret });
  });
  afterAll(async () => {
    await api.close();
    await fake.close();
  });

  it('serves /version to a token and reports a colon-separated SHA-256 fingerprint', async () => {
    const res = await api.call('GET', '/version');
    expect(res.status).toBe(200);
    expect((res.body as Data<{ release: string }>).data.release).toBe('9.1');
    expect(server.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(server.connections.total).toBeGreaterThan(0);
  });

  it("serves the certificate whose fingerprint it reports, also as the nodes' ssl_fingerprint", async () => {
    const { port, hostname } = new URL(server.url);
    const peer = await new Promise<string>((resolve, reject) => {
      const socket = connect(
        { host: hostname, port: Number(port), ca: server.ca, servername: 'localhost' },
        () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.end();
        },
      );
      socket.on('error', reject);
    });
    expect(peer).toBe(server.fingerprint);
    const nodes = (await api.call('GET', '/nodes')).body as Data<{ ssl_fingerprint: string }[]>;
    expect(nodes.data.map((n) => n.ssl_fingerprint)).toEqual([server.fingerprint, server.fingerprint]);
  });

  it('gzips bodies over 1 KiB for clients that accept gzip, as pveproxy does', async () => {
    const agent = new Agent({ connect: { ca: server.ca } });
    const auth = `PVEAPIToken=${fake.credentials.tokenId}=${fake.credentials.tokenSecret}`;
    try {
      const res = await request(`${server.url}/api2/json/cluster/resources`, {
        headers: { authorization: auth, 'accept-encoding': 'gzip' },
        dispatcher: agent,
      });
      expect(res.headers['content-encoding']).toBe('gzip');
      const body = JSON.parse(gunzipSync(Buffer.from(await res.body.arrayBuffer())).toString('utf8')) as Data<
        unknown[]
      >;
      expect(body.data.length).toBeGreaterThan(3);
      const small = await request(`${server.url}/api2/json/version`, {
        headers: { authorization: auth, 'accept-encoding': 'gzip' },
        dispatcher: agent,
      });
      expect(small.headers['content-encoding']).toBeUndefined();
      await small.body.text();
    } finally {
      await agent.close();
    }
  });

  it('answers 401 with an empty body without credentials', async () => {
    const res = await api.call('GET', '/version', {}, null);
    expect(res.status).toBe(401);
    expect(res.body).toBeUndefined();
  });

  it('creates a VM with a real UPID and runs the task to OK', async () => {
    const res = await api.call('POST', '/nodes/pve1/qemu', { vmid: 300, name: 'web', scsi0: 'local-lvm:8' });
    const upid = (res.body as Data<string>).data;
    expect(upid).toMatch(UPID_PATTERN);
    expect(upid).toContain(':qmcreate:300:root@pam!hvc:');
    await fake.settleTasks();
    const status = await api.call('GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`);
    expect((status.body as Data).data).toMatchObject({
      status: 'stopped',
      exitstatus: 'OK',
      user: 'root@pam',
      tokenid: 'hvc',
    });
    const config = await api.call('GET', '/nodes/pve1/qemu/300/config');
    expect((config.body as Data<Record<string, unknown>>).data.scsi0).toBe('local-lvm:vm-300-disk-0,size=8G');
  });

  it('rejects a guest call through the wrong node as PVE does', async () => {
    const res = await api.call('GET', '/nodes/pve2/qemu/300/status/current');
    expect(res.status).toBe(500);
    expect((res.body as Data).message).toBe(
      "Configuration file 'nodes/pve2/qemu-server/300.conf' does not exist\n",
    );
  });
});
