// The protocol layer against real libvirtd daemons: the shared lab of this vitest run (test/lab), and for the
// frozen-daemon case a private one-host lab, so freezing it disturbs no other test.

import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteProcedure as P } from '../../src/protocol/generated/remote-protocol.gen.js';
import { DomainEventId, DomainLifecycleEvent } from '../../src/rpc/domain-events.js';
import type { LibvirtClient } from '../../src/rpc/libvirt-client.js';
import { type OpenLibvirtOptions, openLibvirt } from '../../src/rpc/open-libvirt.js';
import { startLab } from '../lab/lab.js';
import { injectLab } from '../lab/provided-lab.js';
import { defineTinyGuest, deleteTinyGuest } from '../lab/tiny-guests.js';

const lab = injectLab();
const host = lab.hosts[0]!;
const clients: LibvirtClient[] = [];
const readText = (path: string): string => readFileSync(path, 'utf8');
const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

async function open(uri: string, options: OpenLibvirtOptions = {}): Promise<LibvirtClient> {
  const client = await openLibvirt(uri, { connectTimeoutMs: 15_000, ...options });
  clients.push(client);
  return client;
}

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

const transports: [string, string, OpenLibvirtOptions][] = [
  ['unix', host.unixUri, {}],
  ['tcp', host.tcpUri, {}],
  ['tls (the lab CA, pkipath)', host.tlsUri, {}],
  [
    'tls (pinned fingerprint)',
    `qemu+tls://127.0.0.1:${host.tlsPort}/system`,
    {
      tls: {
        trust: { fingerprint: host.tlsFingerprint },
        cert: readText(lab.tls.clientCertPath),
        key: readText(lab.tls.clientKeyPath),
      },
    },
  ],
  ['ssh', host.sshUri!, { ssh: { agent: false } }],
  [
    'ssh (pinned host key, netcat)',
    `qemu+ssh://root@127.0.0.1:${lab.ssh?.port}/system?socket=${host.socketPath}&keyfile=${lab.ssh?.clientKeyPath}&proxy=netcat`,
    {
      ssh: {
        agent: false,
        hostKeyFingerprints: [lab.ssh?.hostKeyFingerprint ?? ''],
        knownHostsFile: '/dev/null',
      },
    },
  ],
];

describe.each(transports)('over %s', (_transport, uri, options) => {
  let client: LibvirtClient;
  beforeAll(async () => {
    // No keepalive here: its traffic would hide a stalled call (as TLS records holding two messages once did).
    client = await open(uri, { ...options, keepalive: false });
  });

  it('opens and answers host calls', async () => {
    expect(client.features).toEqual({ keepalive: false, eventCallbacks: true });
    const [hostname, version, lib, info, type] = await Promise.all([
      client.call(P.REMOTE_PROC_CONNECT_GET_HOSTNAME),
      client.call(P.REMOTE_PROC_CONNECT_GET_VERSION),
      client.call(P.REMOTE_PROC_CONNECT_GET_LIB_VERSION),
      client.call(P.REMOTE_PROC_NODE_GET_INFO),
      client.call(P.REMOTE_PROC_CONNECT_GET_TYPE),
    ]);
    expect(hostname.hostname).toBe(host.name);
    expect(version.hv_ver).toBeGreaterThan(7_000_000n);
    expect(lib.lib_ver).toBe(9_000_000n);
    expect(info.cpus).toBeGreaterThan(0);
    expect(info.memory).toBeGreaterThan(0n);
    expect(type.type).toBe('QEMU');
  });

  it('multiplexes many calls on the one connection', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 2 === 0
          ? client.call(P.REMOTE_PROC_CONNECT_GET_HOSTNAME).then((r) => r.hostname)
          : client
              .call(P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, { name: lab.pool.name })
              .then((r) => (r.pool.name === lab.pool.name ? host.name : r.pool.name)),
      ),
    );
    expect(results).toEqual(Array.from({ length: 60 }, () => host.name));
  });

  it('maps libvirt errors to the contract’s codes', async () => {
    const name = unique('hvc-missing');
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
    // An unknown domain type is an unsupported configuration (67).
    await expect(
      client.call(P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, {
        xml: `<domain type='nonesuch'><name>${name}</name><memory>65536</memory><os><type>hvm</type></os></domain>`,
        flags: 0,
      }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED', details: { libvirtCode: 67 } });
  });
});

describe('SSH agent authentication', () => {
  it('authenticates with a key held by ssh-agent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvc-ssh-agent-'));
    const socket = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      await expect.poll(() => existsSync(socket)).toBe(true);
      execFileSync('ssh-add', [lab.ssh!.clientKeyPath], {
        env: { ...process.env, SSH_AUTH_SOCK: socket },
        stdio: 'ignore',
      });
      const client = await open(
        `qemu+ssh://root@127.0.0.1:${lab.ssh!.port}/system?socket=${host.socketPath}&known_hosts=${lab.ssh!.knownHostsPath}`,
        { ssh: { agent: socket } },
      );
      expect((await client.call(P.REMOTE_PROC_CONNECT_GET_HOSTNAME)).hostname).toBe(host.name);
    } finally {
      agent.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('domains, events and streams', () => {
  let client: LibvirtClient;
  beforeAll(async () => {
    client = await open(host.unixUri);
  });

  it('delivers lifecycle events of a domain defined and undefined', async () => {
    const name = unique('hvc-events');
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
    const { pool } = await client.call(P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, { name: lab.pool.name });
    const size = 3 * 1024 * 1024 + 5;
    const { vol } = await client.call(P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, {
      pool,
      xml: `<volume><name>${unique('hvc-stream')}.raw</name><capacity unit='bytes'>${size}</capacity><target><format type='raw'/></target></volume>`,
      flags: 0,
    });
    try {
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
    } finally {
      await client.call(P.REMOTE_PROC_STORAGE_VOL_DELETE, { vol, flags: 0 });
    }
  });

  it('talks to a guest’s serial console both ways, and the console ends when the guest is destroyed', async () => {
    const name = unique('hvc-console');
    await defineTinyGuest(lab, host, name);
    try {
      const { dom } = await client.call(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name });
      await client.call(P.REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, { dom, flags: 0 });
      const { stream } = await client.openStream(P.REMOTE_PROC_DOMAIN_OPEN_CONSOLE, {
        dom,
        dev_name: null,
        flags: 0,
      });
      let output = '';
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString('latin1');
      });
      const ended = new Promise<void>((resolve, reject) => {
        stream.once('end', resolve);
        stream.once('error', reject);
      });
      await expect.poll(() => output, { timeout: 45_000, interval: 100 }).toContain('HVC-LAB ready');
      stream.write('echo hvc-console-$((6*7))\n');
      await expect.poll(() => output, { timeout: 10_000, interval: 100 }).toContain('hvc-console-42');
      await client.call(P.REMOTE_PROC_DOMAIN_DESTROY_FLAGS, { dom, flags: 0 });
      await ended;
    } finally {
      await deleteTinyGuest(lab, host, name);
    }
  });
});

describe('a frozen daemon', () => {
  it('fails pending calls with UNAVAILABLE within the keepalive bound', async () => {
    const own = await startLab({ hosts: 1, ssh: false });
    try {
      const frozen = own.facts.hosts[0]!;
      const client = await open(frozen.tcpUri, { keepalive: { intervalMs: 500, count: 3 } });
      expect(client.features.keepalive).toBe(true);
      process.kill(frozen.pid, 'SIGSTOP');
      const started = performance.now();
      try {
        const error = await client.call(P.REMOTE_PROC_CONNECT_GET_HOSTNAME).catch((e: unknown) => e);
        const elapsed = performance.now() - started;
        expect(error).toMatchObject({
          code: 'UNAVAILABLE',
          retryable: true,
          message: expect.stringMatching(/keepalive/),
        });
        // 500 ms × 3 of silence, give or take a busy event loop, and never the default 25 s.
        expect(elapsed).toBeGreaterThanOrEqual(1400);
        expect(elapsed).toBeLessThan(6000);
      } finally {
        process.kill(frozen.pid, 'SIGCONT');
      }
      expect((await client.closed).reason).toBe('keepalive');
    } finally {
      await own.stop();
    }
  });
});
