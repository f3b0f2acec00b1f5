import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.js';
import { runHvc } from '../src/run-hvc.js';
import { type DemoInfo, type DemoServer, startDemoServer } from './support/demo-server.js';
import { memoryIo } from './support/memory-io.js';

const TARGET = 'mem-prov';
const PASSWORD = 'Cl1-S3cret-Passw0rd';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGr1Y5N1cOl1ZQ4Kx9wJ6mJb7x0aZ8mVZQJ3qv1X0Yw8 ops@example';
const IMAGE = 'shared-nfs:import/noble-server-cloudimg-amd64.qcow2';

let server: DemoServer | undefined;
let demo: DemoInfo;
let dir: string;
let keyFile: string;

/** `hvc --server URL <args>` in this process, with `token` as HVC_TOKEN, no configuration, and `stdin`. */
async function hvc(
  token: string,
  args: string[],
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, stdout, stderr } = memoryIo(
    { HOME: '/nonexistent', HVC_CONFIG_DIR: '/nonexistent/hvc', HVC_KEYCHAIN: 'off', HVC_TOKEN: token },
    stdin,
  );
  const code = await runHvc(['--server', demo.url, ...args], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

/** The JSON an `-o json` command printed, after it succeeded. */
async function json<T>(token: string, args: string[], stdin = ''): Promise<T> {
  const result = await hvc(token, [...args, '-o', 'json'], stdin);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}

beforeAll(async () => {
  server = await startDemoServer();
  demo = server.info;
  dir = mkdtempSync(join(tmpdir(), 'hvc-cli-prov-'));
  keyFile = join(dir, 'id_ed25519.pub');
  writeFileSync(keyFile, `${KEY}\n`);
  const created = await hvc(demo.adminToken, [
    'targets',
    'create',
    TARGET,
    '--kind',
    'memory',
    '--config',
    JSON.stringify({ guests: [{ type: 'vm', name: 'base' }], operationDurationMs: 5 }),
  ]);
  expect(created.code, created.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hvc storages, networks and images', { timeout: 60_000 }, () => {
  it('list the inventory as tables and as the API JSON, filtered', async () => {
    const storages = await hvc(demo.viewerToken, ['storages', 'list', '-t', TARGET]);
    expect(storages.code, storages.stderr).toBe(0);
    const [head, ...rows] = storages.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^ID\s+TYPE\s+CONTENT\s+SHARED\s+NODES\s+FREE$/);
    expect(rows.map((r) => r.split(/\s+/, 1)[0])).toEqual(['local', 'local-lvm', 'shared-nfs']);
    const iso = await json<Array<{ id: string }>>(demo.viewerToken, [
      'storages',
      'ls',
      '-t',
      TARGET,
      '--content',
      'iso',
      '--limit',
      '1',
    ]);
    expect(iso.map((s) => s.id)).toEqual(['local']);

    const networks = await json<Array<{ id: string; kind: string }>>(demo.viewerToken, [
      'networks',
      'list',
      '-t',
      TARGET,
      '--kind',
      'bridge',
    ]);
    expect(networks.map((n) => n.id)).toEqual(['vmbr0', 'vmbr1']);
    const images = await hvc(demo.viewerToken, ['images', 'list', '-t', TARGET, '--kind', 'disk-image']);
    expect(images.code, images.stderr).toBe(0);
    expect(images.stdout).toMatch(new RegExp(`^${IMAGE.replace(/[.]/g, '\\.')}\\s+disk-image\\s+`, 'm'));
    const bad = await hvc(demo.viewerToken, ['images', 'list', '-t', TARGET, '--kind', 'floppy']);
    expect(bad.code).toBe(EXIT.usage);
  });
});

describe('hvc guests create from a source, and device changes', { timeout: 60_000 }, () => {
  it('creates a VM from an image with a key, an address, a user and a password from stdin', async () => {
    const created = await json<{ guestId: string; status: string }>(
      demo.adminToken,
      [
        'guests',
        'create',
        '-t',
        TARGET,
        '--name',
        'web-prov',
        '--from-image',
        IMAGE,
        '--disk-size',
        '10',
        '--nic',
        'vmbr1',
        '--ip',
        '10.10.0.42/24,gw=10.10.0.1',
        '--user',
        'ops',
        '--ssh-key-file',
        keyFile,
        '--password-stdin',
      ],
      PASSWORD,
    );
    expect(created.status).toBe('OPERATION_STATUS_SUCCEEDED');
    const id = created.guestId;

    const config = await json<{
      cloudInit: { user: string; hasPassword: boolean; sshAuthorizedKeys: string[] };
      disks: Array<{ slot: string; boot?: boolean; sizeBytes: string }>;
      nics: Array<{ slot: string; network: string }>;
    }>(demo.viewerToken, ['guests', 'config', id, '-t', TARGET]);
    expect(config.cloudInit).toMatchObject({ user: 'ops', hasPassword: true, sshAuthorizedKeys: [KEY] });
    const boot = config.disks.find((d) => d.boot)!;
    expect(boot.sizeBytes).toBe(String(10 * 1024 ** 3));

    expect((await hvc(demo.adminToken, ['guests', 'start', id, '-t', TARGET])).code).toBe(0);
    const addresses = await hvc(demo.viewerToken, ['guests', 'addresses', id, '-t', TARGET]);
    expect(addresses.code, addresses.stderr).toBe(0);
    expect(addresses.stdout).toMatch(/^INTERFACE\s+SLOT\s+MAC\s+ADDRESSES\s+SOURCE$/m);
    expect(addresses.stdout).toMatch(/^eth0\s+\S+\s+\S+\s+10\.10\.0\.42\/24\s+host$/m);

    expect(
      (await hvc(demo.adminToken, ['guests', 'resize-disk', id, boot.slot, '32', '-t', TARGET])).code,
    ).toBe(0);
    const disk = await json<{ resourceId: string }>(demo.adminToken, [
      'guests',
      'add-disk',
      id,
      '--size',
      '4',
      '-t',
      TARGET,
    ]);
    const nic = await json<{ resourceId: string }>(demo.adminToken, [
      'guests',
      'add-nic',
      id,
      'vmbr0,vlan=7',
      '-t',
      TARGET,
    ]);
    let after = await json<typeof config>(demo.viewerToken, ['guests', 'config', id, '-t', TARGET]);
    expect(after.disks.find((d) => d.slot === boot.slot)?.sizeBytes).toBe(String(32 * 1024 ** 3));
    expect(after.nics.map((n) => n.slot)).toContain(nic.resourceId);
    // A viewer cannot change a guest.
    const denied = await hvc(demo.viewerToken, ['guests', 'remove-disk', id, disk.resourceId, '-t', TARGET]);
    expect(denied.code).toBe(EXIT.permissionDenied);
    for (const args of [
      ['remove-disk', id, disk.resourceId],
      ['remove-nic', id, nic.resourceId],
      ['stop', id],
      ['template', id],
    ]) {
      const result = await hvc(demo.adminToken, ['guests', ...args, '-t', TARGET]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
    after = await json<typeof config & { template: boolean }>(demo.viewerToken, [
      'guests',
      'config',
      id,
      '-t',
      TARGET,
    ]);
    expect(after).toMatchObject({ template: true });
    expect(after.disks.map((d) => d.slot)).not.toContain(disk.resourceId);
    expect(JSON.stringify(after)).not.toContain(PASSWORD);
  });

  it('refuses bad source and address flags before any call', async () => {
    const base = ['guests', 'create', '-t', TARGET, '--name', 'x'];
    for (const extra of [
      ['--from-image', IMAGE, '--iso', 'local:iso/debian-12.7.0-amd64-netinst.iso'],
      ['--ip', '10.0.0.5'],
      ['--ip', '10.0.0.5/24,gateway=10.0.0.1'],
      ['--type', 'container', '--os-template', 'x:vztmpl/a.tar.zst', '--ip', 'dhcp'],
    ]) {
      const result = await hvc(demo.adminToken, [...base, ...extra]);
      expect(result.code, `${extra.join(' ')}: ${result.stderr}`).toBe(EXIT.usage);
    }
    const bad = await hvc(demo.adminToken, [...base, '--nic', 'vmbr0', '--ip', '10.0.0.5/33'], PASSWORD);
    expect(bad.code).toBe(EXIT.invalidArgument);
    expect(bad.stderr).toContain('cloud_init.interfaces[0].ipv4_static.address');
  });
});

describe('hvc guests ensure', { timeout: 60_000 }, () => {
  it('creates the guest with the flags of create, then reports what a changed flag changed', async () => {
    const base = ['guests', 'ensure', '-t', TARGET, '--name', 'ensured', '--memory', '512', '--tag', 'web'];
    const created = await json<{ created: boolean; guest: { id: string; name: string } }>(
      demo.adminToken,
      [...base, '--cpus', '1', '--user', 'ops', '--password-stdin'],
      PASSWORD,
    );
    expect(created).toMatchObject({ created: true, guest: { name: 'ensured' } });

    const same = await hvc(demo.adminToken, [...base, '--cpus', '1']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toContain('No changes found.');

    const changed = await hvc(demo.adminToken, [...base, '--cpus', '2']);
    expect(changed.code, changed.stderr).toBe(0);
    const row = changed.stdout.split('\n').find((line) => line.startsWith('cpus'));
    expect(row?.split(/\s+/)).toEqual(['cpus', '1', '2', 'now']);

    const denied = await hvc(demo.viewerToken, [...base, '--cpus', '3']);
    expect(denied.code).toBe(EXIT.permissionDenied);
  });
});
