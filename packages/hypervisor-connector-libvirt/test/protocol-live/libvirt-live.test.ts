import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteProcedure as P } from '../../src/protocol/generated/remote-protocol.gen.js';
import { DomainEventId, DomainLifecycleEvent } from '../../src/rpc/domain-events.js';
import type { LibvirtClient } from '../../src/rpc/libvirt-client.js';
import { type OpenLibvirtOptions, openLibvirt } from '../../src/rpc/open-libvirt.js';
import { type LiveDaemon, liveDaemon } from './support/live-daemon.js';

const daemon = liveDaemon();
const clients: LibvirtClient[] = [];

async function open(uri: string, options: OpenLibvirtOptions = {}): Promise<LibvirtClient> {
  const client = await openLibvirt(uri, { connectTimeoutMs: 10_000, ...options });
  clients.push(client);
  return client;
}

function uris(d: LiveDaemon): [string, string, OpenLibvirtOptions][] {
  const list: [string, string, OpenLibvirtOptions][] = [
    ['unix', `qemu+unix:///system?socket=${d.unixSocket}`, {}],
    ['tcp', `qemu+tcp://127.0.0.1:${d.tcpPort}/system`, {}],
  ];
  if (d.tls) list.push(['tls', `qemu+tls://localhost:${d.tls.port}/system?pkipath=${d.tls.pkiDir}`, {}]);
  if (d.ssh) {
    list.push([
      'ssh',
      `qemu+ssh://${d.ssh.user}@127.0.0.1:${d.ssh.port}/system?keyfile=${d.ssh.keyFile}` +
        `&known_hosts=${d.ssh.knownHostsFile}&socket=${d.unixSocket}`,
      { ssh: { agent: false } },
    ]);
  }
  return list;
}

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

describe.skipIf(daemon === undefined)('against a real libvirtd', () => {
  // Collected even when skipped: only read the daemon inside tests and hooks.
  const d = daemon as LiveDaemon;

  describe.each(daemon === undefined ? [] : uris(daemon))('over %s', (_transport, uri, options) => {
    let client: LibvirtClient;
    beforeAll(async () => {
      // No keepalive here: its traffic would hide a stalled call (as TLS records holding two messages once did).
      client = await open(uri, { ...options, keepalive: false });
    });

    it('opens and answers host calls', async () => {
      expect(client.features).toEqual({ keepalive: false, eventCallbacks: true });
      const [version, lib, info, type] = await Promise.all([
        client.call(P.REMOTE_PROC_CONNECT_GET_VERSION),
        client.call(P.REMOTE_PROC_CONNECT_GET_LIB_VERSION),
        client.call(P.REMOTE_PROC_NODE_GET_INFO),
        client.call(P.REMOTE_PROC_CONNECT_GET_TYPE),
      ]);
      expect(version.hv_ver).toBeGreaterThan(7_000_000n);
      expect(lib.lib_ver).toBe(9_000_000n);
      expect(info.cpus).toBeGreaterThan(0);
      expect(info.memory).toBeGreaterThan(0n);
      expect(type.type).toBe('QEMU');
    });

    it('multiplexes many calls on the one connection', async () => {
      const { hostname } = await client.call(P.REMOTE_PROC_CONNECT_GET_HOSTNAME);
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          i % 2 === 0
            ? client.call(P.REMOTE_PROC_CONNECT_GET_HOSTNAME).then((r) => r.hostname)
            : client
                .call(P.REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, { need_results: 1, flags: 0 })
                .then(() => hostname),
        ),
      );
      expect(results.every((name) => name === hostname)).toBe(true);
    });

    it('maps libvirt errors to the contract’s codes', async () => {
      const name = `hvc-missing-${randomUUID()}`;
      const error = await client.call(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name }).catch((e: unknown) => e);
      expect(isHypervisorError(error, 'NOT_FOUND')).toBe(true);
      expect(error).toMatchObject({
        details: { libvirtCode: 42, procedure: 'REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME' },
      });
      expect((error as Error).message).toContain(name);
      // Malformed XML is XML_DETAIL (35), a domain without an OS type XML_ERROR (27): both INVALID_ARGUMENT.
      await expect(
        client.call(P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, { xml: '<domain', flags: 0 }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: { libvirtCode: 35 },
      });
      await expect(
        client.call(P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, {
          xml: `<domain type='qemu'><name>${name}</name></domain>`,
          flags: 0,
        }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { libvirtCode: 27 } });
      await expect(
        client.call(P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, {
          xml: `<domain type='nonesuch'><name>${name}</name><memory>1024</memory><os><type>hvm</type></os></domain>`,
          flags: 0,
        }),
      ).rejects.toMatchObject({ code: 'UNSUPPORTED', details: { libvirtCode: 67 } });
    });
  });

  it('delivers lifecycle events of a domain defined and undefined', async () => {
    const client = await open(`qemu+tcp://127.0.0.1:${d.tcpPort}/system`);
    const name = `hvc-events-${randomUUID().slice(0, 8)}`;
    const seen: number[] = [];
    const subscription = await client.onDomainEvent(DomainEventId.LIFECYCLE, (message) => {
      if (message.msg.dom.name === name) seen.push(message.msg.event);
    });
    const xml =
      `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>` +
      "<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>";
    const { dom } = await client.call(P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, { xml, flags: 0 });
    await client.call(P.REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, { dom, flags: 0 });
    await expect.poll(() => seen).toEqual([DomainLifecycleEvent.DEFINED, DomainLifecycleEvent.UNDEFINED]);
    await subscription.close();
  });

  it('uploads and downloads a volume through streams', async () => {
    const client = await open(`qemu+unix:///system?socket=${d.unixSocket}`);
    const poolName = `hvc-streams-${randomUUID().slice(0, 8)}`;
    const { pool } = await client.call(P.REMOTE_PROC_STORAGE_POOL_CREATE_XML, {
      xml: `<pool type='dir'><name>${poolName}</name><target><path>${d.scratchDir}</path></target></pool>`,
      flags: 0,
    });
    try {
      const size = 3 * 1024 * 1024 + 5;
      const { vol } = await client.call(P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, {
        pool,
        xml: `<volume><name>${poolName}.raw</name><capacity unit='bytes'>${size}</capacity><target><format type='raw'/></target></volume>`,
        flags: 0,
      });
      const data = randomBytes(size);
      const upload = await client.openStream(P.REMOTE_PROC_STORAGE_VOL_UPLOAD, {
        vol,
        offset: 0n,
        length: BigInt(size),
        flags: 0,
      });
      await pipeline(Readable.from([data]), upload.stream);
      const download = await client.openStream(P.REMOTE_PROC_STORAGE_VOL_DOWNLOAD, {
        vol,
        offset: 0n,
        length: 0n,
        flags: 0,
      });
      const hash = createHash('sha256');
      for await (const chunk of download.stream) hash.update(chunk as Buffer);
      expect(hash.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      await client.call(P.REMOTE_PROC_STORAGE_VOL_DELETE, { vol, flags: 0 });
    } finally {
      await client.call(P.REMOTE_PROC_STORAGE_POOL_DESTROY, { pool });
    }
  });

  it('fails pending calls with UNAVAILABLE within the keepalive bound when the daemon freezes', async () => {
    const client = await open(`qemu+tcp://127.0.0.1:${d.tcpPort}/system`, {
      keepalive: { intervalMs: 500, count: 3 },
    });
    expect(client.features.keepalive).toBe(true);
    process.kill(d.pid, 'SIGSTOP');
    const started = performance.now();
    try {
      const error = await client.call(P.REMOTE_PROC_CONNECT_GET_HOSTNAME).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(3000);
    } finally {
      process.kill(d.pid, 'SIGCONT');
    }
    expect((await client.closed).reason).toBe('keepalive');
  });
});
