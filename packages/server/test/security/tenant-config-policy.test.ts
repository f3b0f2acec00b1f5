/**
 * Connector settings that are an operator's, not a tenant's: a local libvirtd, files, keys and the ssh-agent of the
 * server host, budgets above a connector's defaults, TLS that accepts any certificate. An organisation admin cannot
 * write them (create or update), a row stored with one gets no connector, and `HVC_ALLOW_OPERATOR_SETTINGS` lets
 * a single-tenant deployment have them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@bufbuild/protobuf';
import { Code, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { GuestService, TargetService } from '@hvc/client/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/bootstrap/start-server.js';
import { PROTOCOLS, type Protocol } from './support/raw-call.js';
import { failure, type ServedFromEnv, serveFromEnv } from './support/served-from-env.js';

const FINGERPRINT = Array.from({ length: 32 }, () => 'AB').join(':');
const SSH_FINGERPRINT = `SHA256:${'A'.repeat(43)}`;
const PVE_CREDENTIALS = { type: 'token', tokenId: 'hvc@pve!policy', secret: 'pve-token-secret' };
const SSH_KEY = 'ssh-private-key-material';
const TLS_KEY = 'tls-private-key-material';
const PVE = { endpoints: [{ url: 'https://pve.example:8006', fingerprint: FINGERPRINT }] };
const SSH = { agent: false, hostKeyFingerprints: [SSH_FINGERPRINT] };
const TLS = { trust: { fingerprint: FINGERPRINT }, cert: 'client-certificate' };
/** A libvirt target's secrets, apart from its settings. */
const LIBVIRT_CREDENTIALS = { ssh: { privateKey: SSH_KEY }, tls: { key: TLS_KEY } };
const SSH_HOST = 'qemu+ssh://root@kvm.example/system';
const TLS_HOST = 'qemu+tls://kvm.example/system';
const MiB = 1024 * 1024;

/** `settings` without `key`. */
function without(settings: JsonObject, key: string): JsonObject {
  const { [key]: _, ...rest } = settings;
  return rest;
}

/** Configs an organisation admin may not write, each with the field the refusal must name. */
const REFUSED: readonly (readonly [
  kind: string,
  config: JsonObject,
  field: string,
  credentials?: JsonObject,
])[] = [
  ['proxmox', { ...PVE, maxResponseBytes: 64 * MiB }, 'config.maxResponseBytes'],
  ['proxmox', { ...PVE, concurrency: 8 }, 'config.concurrency'],
  ['proxmox', { ...PVE, readAttempts: 5 }, 'config.readAttempts'],
  ['proxmox', { ...PVE, timeouts: { requestMs: 60_000 } }, 'config.timeouts.requestMs'],
  ['proxmox', { ...PVE, timeouts: { connectMs: 20_000 } }, 'config.timeouts.connectMs'],
  ['proxmox', { ...PVE, tasks: { initialIntervalMs: 10 } }, 'config.tasks.initialIntervalMs'],
  ['proxmox', { ...PVE, tasks: { maxIntervalMs: 100 } }, 'config.tasks.maxIntervalMs'],
  ['proxmox', { endpoints: ['https://pve.example:8006'], transport: 'fetch' }, 'config.transport'],
  ['proxmox', { endpoints: ['https://pve.example:8006'], tls: { insecure: true } }, 'config.tls.insecure'],
  ['libvirt', { hosts: ['qemu:///system'] }, 'config.hosts.0'],
  ['libvirt', { hosts: [TLS_HOST, 'qemu+unix:///system'], tls: TLS }, 'config.hosts.1'],
  ['libvirt', { hosts: [{ uri: 'qemu:///system?socket=/run/libvirt/libvirt-sock' }] }, 'config.hosts.0.uri'],
  ['libvirt', { hosts: [`${SSH_HOST}?keyfile=/root/.ssh/id_rsa`], ssh: SSH }, 'config.hosts.0'],
  ['libvirt', { hosts: [`${SSH_HOST}?known_hosts=/root/.ssh/known_hosts`], ssh: SSH }, 'config.hosts.0'],
  ['libvirt', { hosts: [`${TLS_HOST}?pkipath=/etc/pki/libvirt`], tls: TLS }, 'config.hosts.0'],
  ['libvirt', { hosts: [`${TLS_HOST}?no_verify=1`], tls: TLS }, 'config.hosts.0'],
  [
    'libvirt',
    { hosts: [SSH_HOST], ssh: { ...SSH, knownHostsFile: '/etc/ssh/known' } },
    'config.ssh.knownHostsFile',
  ],
  ['libvirt', { hosts: [SSH_HOST], ssh: { ...SSH, agent: '/run/user/0/agent.sock' } }, 'config.ssh.agent'],
  ['libvirt', { hosts: [SSH_HOST], ssh: without(SSH, 'agent') }, 'config.ssh.agent'],
  ['libvirt', { hosts: [SSH_HOST], ssh: SSH }, 'config.ssh.privateKey', { tls: LIBVIRT_CREDENTIALS.tls }],
  ['libvirt', { hosts: [SSH_HOST], ssh: { ...SSH, privateKey: SSH_KEY } }, 'config.ssh.privateKey'],
  ['libvirt', { hosts: [{ uri: TLS_HOST, tls: { ...TLS, key: TLS_KEY } }] }, 'config.hosts.0.tls.key'],
  [
    'libvirt',
    { hosts: [SSH_HOST], ssh: without(SSH, 'hostKeyFingerprints') },
    'config.ssh.hostKeyFingerprints',
  ],
  ['libvirt', { hosts: [SSH_HOST] }, 'config.ssh.agent'],
  [
    'libvirt',
    { hosts: [SSH_HOST, { uri: SSH_HOST, ssh: without(SSH, 'agent') }], ssh: SSH },
    'config.hosts.1.ssh.agent',
  ],
  ['libvirt', { hosts: [TLS_HOST], tls: without(TLS, 'trust') }, 'config.tls.trust'],
  ['libvirt', { hosts: [TLS_HOST], tls: { ...TLS, trust: { insecure: true } } }, 'config.tls.trust.insecure'],
  ['libvirt', { hosts: [TLS_HOST], tls: { trust: TLS.trust } }, 'config.tls.cert'],
  [
    'libvirt',
    { hosts: [SSH_HOST], ssh: SSH, operations: { keepEnded: 100_000 } },
    'config.operations.keepEnded',
  ],
];

/** Configs a tenant may write: what reaches their own hypervisor only, budgets at or below the defaults. */
const ALLOWED: readonly (readonly [kind: string, config: JsonObject])[] = [
  ['proxmox', { ...PVE, maxResponseBytes: MiB, concurrency: 2, timeouts: { requestMs: 10_000 } }],
  ['proxmox', { endpoints: ['https://pve.example:8006'], tls: { ca: 'a CA' }, transport: 'undici' }],
  ['libvirt', { hosts: ['qemu+tcp://kvm.example/system'], guestDefaults: { emulator: '/usr/bin/qemu-kvm' } }],
  ['libvirt', { hosts: [SSH_HOST, `${SSH_HOST}?socket=/run/libvirt/libvirt-sock`], ssh: SSH }],
  ['libvirt', { hosts: [TLS_HOST, { uri: SSH_HOST, ssh: SSH }], tls: TLS, operations: { keepEnded: 10 } }],
];

const dir = mkdtempSync(join(tmpdir(), 'hvc-tenant-policy-'));

function transport(server: RunningServer, p: Protocol): Transport {
  return p === 'connect'
    ? createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' })
    : createGrpcTransport({ baseUrl: server.url });
}

const credentialsOf = (kind: string) =>
  kind === 'proxmox'
    ? { credentials: PVE_CREDENTIALS }
    : kind === 'libvirt'
      ? { credentials: LIBVIRT_CREDENTIALS }
      : {};

let plain: ServedFromEnv;
beforeAll(async () => {
  plain = await serveFromEnv(dir, 'plain', { HVC_TARGET_PROBES_PER_MINUTE: '10000' });
}, 30_000);
afterAll(async () => {
  await plain?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(PROTOCOLS)('the tenant config policy (%s)', (p) => {
  it('refuses each operator setting when a target is created, naming the field and no value, storing nothing', async () => {
    const targets = createClient(TargetService, transport(plain.server, p));
    for (const [kind, config, field, credentials] of REFUSED) {
      const what = `${kind} ${JSON.stringify(config)}`;
      const secrets = credentials === undefined ? credentialsOf(kind) : { credentials };
      const refused = await failure(
        targets.createTarget({ targetId: `bad-${p}`, kind, config, ...secrets }, plain.auth),
      );
      expect(refused?.code, what).toBe(Code.InvalidArgument);
      expect(refused?.rawMessage, what).toContain(`${field}:`);
      for (const secret of [SSH_KEY, TLS_KEY, PVE_CREDENTIALS.secret, '/root/', '/etc/', '/run/']) {
        expect(refused?.rawMessage, what).not.toContain(secret);
      }
      expect(await plain.server.store.targets.get('acme', `bad-${p}`), what).toBeUndefined();
    }
  });

  it('accepts configs that reach only the tenant’s own hypervisor', async () => {
    const targets = createClient(TargetService, transport(plain.server, p));
    for (const [index, [kind, config]] of ALLOWED.entries()) {
      const targetId = `good-${p}-${index}`;
      const created = await targets.createTarget(
        { targetId, kind, config, ...credentialsOf(kind) },
        plain.auth,
      );
      expect(created.target?.kind, JSON.stringify(config)).toBe(kind);
      await targets.deleteTarget({ targetId }, plain.auth);
    }
  });

  it('refuses an operator setting when a target is changed, keeping the stored config', async () => {
    const targets = createClient(TargetService, transport(plain.server, p));
    const targetId = `change-${p}`;
    await targets.createTarget(
      { targetId, kind: 'libvirt', config: { hosts: [SSH_HOST], ssh: SSH }, ...credentialsOf('libvirt') },
      plain.auth,
    );
    const refused = await failure(
      targets.updateTarget({ targetId, config: { hosts: ['qemu:///system'] } }, plain.auth),
    );
    expect(refused?.code).toBe(Code.InvalidArgument);
    expect(refused?.rawMessage).toContain('config.hosts.0:');
    expect((await plain.server.store.targets.get('acme', targetId))?.config).toEqual({
      hosts: [SSH_HOST],
      ssh: SSH,
    });
    await targets.deleteTarget({ targetId }, plain.auth);
  });

  it('resolves no connector for a row stored with an operator setting', async () => {
    const targetId = `stored-${p}`;
    // As a row written before the rule, or straight into the database.
    const { key } = await plain.server.store.targets.create({
      id: targetId,
      organizationId: 'acme',
      displayName: targetId,
      kind: 'proxmox',
      config: { ...PVE, maxResponseBytes: 256 * MiB },
      credentials: PVE_CREDENTIALS,
    });
    const guests = createClient(GuestService, transport(plain.server, p));
    const refused = await failure(guests.listGuests({ targetId }, plain.auth));
    expect(refused?.code).toBe(Code.InvalidArgument);
    expect(refused?.rawMessage).toContain('config.maxResponseBytes:');
    expect(refused?.rawMessage).not.toContain(PVE_CREDENTIALS.secret);
    await expect(plain.server.resolver.resolve(key)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await plain.server.store.targets.delete('acme', targetId);
  });
});

describe('HVC_ALLOW_OPERATOR_SETTINGS', () => {
  it('lets a single-tenant deployment write and resolve operator settings', async () => {
    const flagged = await serveFromEnv(dir, 'flagged', {
      HVC_TARGET_PROBES_PER_MINUTE: '10000',
      HVC_ALLOW_OPERATOR_SETTINGS: 'true',
    });
    try {
      for (const p of PROTOCOLS) {
        const targets = createClient(TargetService, transport(flagged.server, p));
        for (const [index, [kind, config]] of REFUSED.entries()) {
          const targetId = `op-${p}-${index}`;
          const created = await targets.createTarget(
            { targetId, kind, config, ...credentialsOf(kind) },
            flagged.auth,
          );
          expect(created.target?.kind, JSON.stringify(config)).toBe(kind);
        }
      }
      const { key } = await flagged.server.store.targets.create({
        id: 'stored',
        organizationId: 'acme',
        displayName: 'stored',
        kind: 'libvirt',
        config: {
          hosts: ['qemu+tcp://127.0.0.1:1/system'],
          connectTimeoutMs: 100,
          operations: { keepEnded: 5_000 },
        },
      });
      // Resolved: the connector is made (its host, a closed port, is only dialled on first use).
      const connector = await flagged.server.resolver.resolve(key);
      expect(connector).toBeDefined();
    } finally {
      await flagged.server.close();
    }
  });
});
