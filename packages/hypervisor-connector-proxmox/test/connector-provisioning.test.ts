import { type GuestSpecInput, isHypervisorError } from '@hvc/hypervisor-connector';
import { createPveFake, type PveFake, type PveFakeServer } from '@hvc/pve-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxmoxConnector, type ProxmoxConnector } from '../src/index.js';

const GiB = 1024 ** 3;
const IMAGE = 'local:import/noble-server-cloudimg-amd64.qcow2';
const ISO = 'local:iso/debian-12.7.0-amd64-netinst.iso';
const PASSWORD = 'correct horse battery staple';

/** An OpenSSH public key line of `type` whose blob is well formed (`string type, string key`). */
function publicKey(type: string, comment: string): string {
  const typeBytes = Buffer.from(type);
  const blob = Buffer.alloc(4 + typeBytes.length + 4 + 32, 7);
  blob.writeUInt32BE(typeBytes.length, 0);
  typeBytes.copy(blob, 4);
  blob.writeUInt32BE(32, 4 + typeBytes.length);
  return `${type} ${blob.toString('base64')} ${comment}`;
}
const KEY_A = publicKey('ssh-ed25519', 'alice@laptop');
const KEY_B = publicKey('ssh-ed25519', 'bob@desk');

/** The error a call rejects with. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/**
 * createGuest with a source (image, ISO, template), cloud-init, a guest agent and a boot order, over HTTPS against
 * the PVE fake: what PVE ends up with, the one operation a several-task create runs as, and every bad input refused
 * with nothing created.
 */
describe('the Proxmox connector creates VMs from sources', () => {
  let fake: PveFake;
  let server: PveFakeServer;
  let pve: ProxmoxConnector;
  const creates = () =>
    fake.requests.filter((r) => r.method === 'POST' && /^\/nodes\/[^/]+\/qemu(\/\d+\/clone)?$/.test(r.path));
  const config = (guestId: string) => fake.guest(Number(guestId.split('/')[1]))?.config ?? {};

  beforeAll(async () => {
    fake = createPveFake({
      nodes: ['pve1'],
      taskDurationMs: 20,
      guests: [
        {
          type: 'qemu',
          vmid: 9000,
          name: 'golden',
          template: true,
          config: {
            ide0: 'local-lvm:vm-9000-cloudinit,media=cdrom',
            net0: 'virtio=BC:24:11:00:90:00,bridge=vmbr0',
          },
        },
        { type: 'qemu', vmid: 9001, name: 'plain-vm' },
        {
          type: 'qemu',
          vmid: 9002,
          name: 'sized-golden',
          template: true,
          config: { cores: 3, sockets: 2, memory: 3072, net0: 'virtio=BC:24:11:00:90:02,bridge=vmbr0' },
        },
      ],
    });
    server = await fake.listen();
    pve = createProxmoxConnector({
      endpoints: [server.url],
      credentials: { tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
      tls: { fingerprint: server.fingerprint },
      tasks: { initialIntervalMs: 10, maxIntervalMs: 50 },
    });
  });
  afterAll(async () => {
    await pve.close();
    await fake.close();
  });

  it('creates from an image with cloud-init, grows the boot disk and starts it, as one operation', async () => {
    const operation = await pve.createGuest({
      type: 'vm',
      name: 'web1',
      cpus: 2,
      memoryMiB: 1024,
      source: { kind: 'image', volumeId: IMAGE },
      bootDisk: { sizeGiB: 10, storage: 'local-lvm' },
      nics: [{ network: 'vmbr0' }],
      cloudInit: {
        user: 'alice',
        password: PASSWORD,
        sshAuthorizedKeys: [KEY_A, KEY_B],
        interfaces: [{ ipv4: { address: '10.0.0.50/24', gateway: '10.0.0.1' }, ipv6: 'slaac' }],
        dns: { nameservers: ['1.1.1.1', '9.9.9.9'], searchDomains: ['example.test'] },
      },
      guestAgent: true,
      start: true,
    });
    expect(operation).toMatchObject({ type: 'create', status: 'running' });
    expect(operation.id.startsWith('pve1c.')).toBe(true);
    const guestId = operation.guestId as string;
    const done = await pve.waitForOperation(operation.id);
    expect(done.status).toBe('succeeded');
    expect(((done.raw?.steps ?? []) as { type: string }[]).map((s) => s.type)).toEqual([
      'create',
      'disk.resize',
      'start',
    ]);
    expect(await pve.getOperation(operation.id)).toMatchObject({ status: 'succeeded', progress: 1 });

    const stored = config(guestId);
    expect(String(stored.cipassword)).toMatch(/^\$6\$/);
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    expect(stored).toMatchObject({
      ciuser: 'alice',
      ciupgrade: 0,
      agent: '1',
      ipconfig0: 'ip=10.0.0.50/24,gw=10.0.0.1,ip6=auto',
    });
    expect(decodeURIComponent(String(stored.sshkeys))).toBe(`${KEY_A}\n${KEY_B}`);

    const read = await pve.getGuestConfig(guestId);
    expect(read.disks).toEqual([expect.objectContaining({ slot: 'scsi0', sizeBytes: 10 * GiB, boot: true })]);
    expect(read.cdroms).toEqual([expect.objectContaining({ slot: 'ide2', cloudInit: true })]);
    expect(read.cloudInit).toMatchObject({
      user: 'alice',
      hasPassword: true,
      sshAuthorizedKeys: [KEY_A, KEY_B],
      nameservers: ['1.1.1.1', '9.9.9.9'],
      searchDomains: ['example.test'],
    });
    expect(read.guestAgent).toBe(true);
    expect(read.boot).toEqual(['disk', 'network']);
    expect((await pve.getGuest(guestId)).state).toBe('running');

    // What the guest would read from its seed, as PVE generates it.
    const dump = (type: string) =>
      pve.raw('GET', `/nodes/pve1/qemu/${guestId.split('/')[1]}/cloudinit/dump`, { type }) as Promise<string>;
    const user = await dump('user');
    expect(user).toContain('user: alice');
    expect(user).toContain(`  - ${KEY_A}`);
    expect(user).not.toContain('package_upgrade: true');
    expect(user).not.toContain(PASSWORD);
    const network = await dump('network');
    expect(network).toContain('10.0.0.50');
    expect(network).toContain('1.1.1.1');

    // A chain is followed where it runs: another connector (another process) cannot.
    const other = createProxmoxConnector({
      endpoints: [server.url],
      credentials: { tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
      tls: { fingerprint: server.fingerprint },
    });
    const elsewhere = await failure(other.getOperation(operation.id));
    expect(isHypervisorError(elsewhere, 'NOT_FOUND')).toBe(true);
    const stepId = ((done.raw?.steps ?? []) as { operationId?: string }[])[1]?.operationId as string;
    expect(await other.getOperation(stepId)).toMatchObject({ type: 'disk.resize', status: 'succeeded' });
    await other.close();
  });

  it('puts the cloud-init drive beside an ISO, on ide0', async () => {
    const operation = await pve.createGuest({
      type: 'vm',
      name: 'installer-ci',
      source: { kind: 'iso', volumeId: ISO },
      disks: [{ sizeGiB: 4 }],
      nics: [{ bridge: 'vmbr0' }],
      cloudInit: { user: 'ops', interfaces: [{ ipv4: 'dhcp' }] },
    });
    await pve.waitForOperation(operation.id);
    const read = await pve.getGuestConfig(operation.guestId as string);
    expect(read.cdroms.map((c) => [c.slot, c.cloudInit])).toEqual([
      ['ide0', true],
      ['ide2', false],
    ]);
  });

  it('cancels a chained create: the running step is stopped and the rest skipped', async () => {
    const operation = await pve.createGuest({
      type: 'vm',
      name: 'cancelled',
      source: { kind: 'image', volumeId: IMAGE },
      bootDisk: { sizeGiB: 20 },
      start: true,
    });
    const cancelled = await pve.cancelOperation(operation.id);
    expect(cancelled.status).toBe('cancelled');
    const ended = await pve.waitForOperation(operation.id, { throwOnFailure: false });
    expect(ended.status).toBe('cancelled');
    const steps = ended.raw?.steps as { type: string; status: string }[];
    expect(steps.at(-1)).toEqual({ type: 'start', status: 'pending' });
  });

  it('creates from an image in one task when nothing has to follow', async () => {
    const operation = await pve.createGuest({
      type: 'vm',
      name: 'small',
      source: { kind: 'image', volumeId: IMAGE },
      nics: [{ bridge: 'vmbr0' }],
    });
    expect(operation.id.startsWith('pve1.')).toBe(true);
    await pve.waitForOperation(operation.id);
    const read = await pve.getGuestConfig(operation.guestId as string);
    expect(read.disks[0]).toMatchObject({ slot: 'scsi0', sizeBytes: 3.5 * GiB });
  });

  it('boots an ISO from CD first', async () => {
    const operation = await pve.createGuest({
      type: 'vm',
      name: 'installer',
      source: { kind: 'iso', volumeId: ISO },
      disks: [{ sizeGiB: 8 }],
      nics: [{ bridge: 'vmbr0' }],
    });
    await pve.waitForOperation(operation.id);
    const stored = config(operation.guestId as string);
    expect(stored.ide2).toBe(`${ISO},media=cdrom`);
    expect(stored.boot).toBe('order=ide2;scsi0');
    const read = await pve.getGuestConfig(operation.guestId as string);
    expect(read.boot).toEqual(['cdrom', 'disk']);
    expect(read.cdroms).toEqual([{ slot: 'ide2', volumeId: ISO, cloudInit: false }]);
  });

  it('clones a template, configures the clone, grows its disk and starts it', async () => {
    const operation = await pve.createGuest({
      type: 'vm',
      name: 'from-golden',
      cpus: 4,
      memoryMiB: 4096,
      source: { kind: 'template', guestId: 'qemu/9000', mode: 'linked' },
      bootDisk: { sizeGiB: 40 },
      disks: [{ sizeGiB: 2 }],
      nics: [{ network: 'vmbr0', vlan: 12 }],
      cloudInit: { user: 'ops', sshAuthorizedKeys: [KEY_A], interfaces: [{ ipv4: 'dhcp' }] },
      start: true,
    });
    const done = await pve.waitForOperation(operation.id);
    expect(((done.raw?.steps ?? []) as { type: string }[]).map((s) => s.type)).toEqual([
      'clone',
      'update',
      'disk.resize',
      'start',
    ]);
    const read = await pve.getGuestConfig(operation.guestId as string);
    expect(read).toMatchObject({ cpus: 4, memoryMiB: 4096 });
    expect(read.disks.map((d) => [d.slot, d.sizeBytes])).toEqual([
      ['scsi0', 40 * GiB],
      ['scsi1', 2 * GiB],
    ]);
    // The template's MAC is kept for the NIC of the same index.
    expect(read.nics).toEqual([
      expect.objectContaining({ slot: 'net0', macAddress: 'bc:24:11:00:90:00', vlan: 12 }),
    ]);
    expect(read.cloudInit).toMatchObject({
      user: 'ops',
      sshAuthorizedKeys: [KEY_A],
      interfaces: [{ ipv4: 'dhcp' }],
    });
    expect((await pve.getGuest(operation.guestId as string)).state).toBe('running');
  });

  it("keeps a template's CPU and memory unless the spec names them: the schema's defaults are not applied", async () => {
    const sized = async (
      extra: Partial<Extract<GuestSpecInput, { type: 'vm' }>>,
      mode: 'full' | 'linked',
    ) => {
      const operation = await pve.createGuest({
        type: 'vm',
        name: `sized-${mode}-${Object.keys(extra).join('-') || 'none'}`,
        source: { kind: 'template', guestId: 'qemu/9002', mode },
        ...extra,
      });
      const done = await pve.waitForOperation(operation.id);
      expect(done.status).toBe('succeeded');
      const stored = config(operation.guestId as string);
      // PVE stores what a config call sent as text, a seed's numbers as numbers.
      return { cores: Number(stored.cores), sockets: Number(stored.sockets), memory: Number(stored.memory) };
    };
    for (const mode of ['full', 'linked'] as const) {
      expect(await sized({}, mode)).toEqual({ cores: 3, sockets: 2, memory: 3072 });
      expect(await sized({ cpus: 4 }, mode)).toEqual({ cores: 4, sockets: 1, memory: 3072 });
      expect(await sized({ memoryMiB: 1024 }, mode)).toEqual({ cores: 3, sockets: 2, memory: 1024 });
      // Sizes that equal the defaults are still the caller's choice.
      expect(await sized({ cpus: 1, memoryMiB: 512 }, mode)).toEqual({ cores: 1, sockets: 1, memory: 512 });
    }
    // Nothing to configure: PVE would refuse an empty config call, so the clone is the whole operation.
    const bare = await pve.createGuest({
      type: 'vm',
      name: 'sized-bare',
      source: { kind: 'template', guestId: 'qemu/9002', mode: 'linked' },
    });
    const done = await pve.waitForOperation(bare.id);
    expect(done.type).toBe('clone');
    const stored = config(bare.guestId as string);
    expect([stored.cores, stored.sockets, stored.memory].map(Number)).toEqual([3, 2, 3072]);
  });

  it('refuses, as UNSUPPORTED, what the credential lacks the privileges for', async () => {
    fake.addUser({ userid: 'maker@pve', password: 'maker-pw' });
    fake.addRole('HvcMaker', [
      'VM.Allocate',
      'VM.Audit',
      'VM.Config.Disk',
      'Datastore.AllocateSpace',
      'SDN.Use',
    ]);
    fake.setAcl({ path: '/', roles: 'HvcMaker', user: 'maker@pve' });
    const maker = createProxmoxConnector({
      endpoints: [server.url],
      credentials: { username: 'maker@pve', password: 'maker-pw' },
      tls: { fingerprint: server.fingerprint },
    });
    const { capabilities } = await maker.describe();
    expect(capabilities.sources).toEqual({ template: false, image: true, iso: false });
    expect(capabilities.cloudInit?.config).toBe(false);
    expect(capabilities.notes?.['cloudInit.config']).toContain('VM.Config.Cloudinit');
    const before = creates().length;
    const clone = await failure(
      maker.createGuest({ type: 'vm', name: 'c', source: { kind: 'template', guestId: 'qemu/9000' } }),
    );
    expect(isHypervisorError(clone, 'UNSUPPORTED')).toBe(true);
    const ci = await failure(maker.createGuest({ type: 'vm', name: 'c', cloudInit: { user: 'x' } }));
    expect(isHypervisorError(ci, 'UNSUPPORTED')).toBe(true);
    expect(creates().length).toBe(before);
    await maker.close();
  });

  describe('refuses bad input before creating anything', () => {
    const vm = (extra: Partial<Extract<GuestSpecInput, { type: 'vm' }>>): GuestSpecInput => ({
      type: 'vm',
      name: 'bad',
      nics: [{ bridge: 'vmbr0' }],
      ...extra,
    });
    const cases: [string, GuestSpecInput, string, Record<string, unknown>][] = [
      [
        'an unknown image',
        vm({ source: { kind: 'image', volumeId: 'local:import/nope.qcow2' } }),
        'NOT_FOUND',
        { resource: 'image', field: 'source.volumeId' },
      ],
      [
        'an image on an unknown storage',
        vm({ source: { kind: 'image', volumeId: 'nas:import/x.qcow2' } }),
        'NOT_FOUND',
        { resource: 'image', field: 'source.volumeId' },
      ],
      [
        'an unknown boot disk storage',
        vm({ source: { kind: 'image', volumeId: IMAGE }, bootDisk: { storage: 'fast' } }),
        'NOT_FOUND',
        { resource: 'storage', id: 'fast', field: 'bootDisk.storage' },
      ],
      [
        'a boot disk storage without disk content',
        vm({ source: { kind: 'image', volumeId: IMAGE }, bootDisk: { storage: 'local' } }),
        'CONFLICT',
        { reason: 'STORAGE_CONTENT', storage: 'local' },
      ],
      [
        'an unknown extra disk storage',
        vm({ disks: [{ sizeGiB: 1, storage: 'fast' }], source: { kind: 'iso', volumeId: ISO } }),
        'NOT_FOUND',
        { resource: 'storage', field: 'disks.0.storage' },
      ],
      [
        'a NIC on an unknown network',
        vm({ nics: [{ bridge: 'vmbr0' }, { network: 'nowhere' }], source: { kind: 'iso', volumeId: ISO } }),
        'NOT_FOUND',
        { resource: 'network', id: 'nowhere', field: 'nics.1.network' },
      ],
      [
        'a clone with a NIC on an unknown network',
        vm({ nics: [{ network: 'nowhere' }], source: { kind: 'template', guestId: 'qemu/9000' } }),
        'NOT_FOUND',
        { resource: 'network', field: 'nics.0.network' },
      ],
      [
        'an unknown ISO',
        vm({ source: { kind: 'iso', volumeId: 'local:iso/nope.iso' } }),
        'NOT_FOUND',
        { resource: 'iso', field: 'source.volumeId' },
      ],
      [
        'an ISO on a storage without iso content',
        vm({ source: { kind: 'iso', volumeId: 'local-lvm:iso/x.iso' } }),
        'CONFLICT',
        { reason: 'STORAGE_CONTENT', needs: 'iso' },
      ],
      [
        'a boot disk smaller than the image',
        vm({ source: { kind: 'image', volumeId: IMAGE }, bootDisk: { sizeGiB: 2 } }),
        'INVALID_ARGUMENT',
        {
          violations: [
            { field: 'bootDisk.sizeGiB', message: 'disks only grow; the source disk has 3.5 GiB' },
          ],
        },
      ],
      [
        'a boot disk smaller than the template disk',
        vm({ source: { kind: 'template', guestId: 'qemu/9000' }, bootDisk: { sizeGiB: 8 } }),
        'INVALID_ARGUMENT',
        { violations: [{ field: 'bootDisk.sizeGiB' }] },
      ],
      [
        'an unknown template',
        vm({ source: { kind: 'template', guestId: 'qemu/9999' } }),
        'NOT_FOUND',
        { resource: 'template', field: 'source.guestId' },
      ],
      [
        'a linked clone of a guest that is no template',
        vm({ source: { kind: 'template', guestId: 'qemu/9001', mode: 'linked' } }),
        'CONFLICT',
        { reason: 'NOT_A_TEMPLATE' },
      ],
      [
        'a boot order naming a device the VM lacks',
        vm({ nics: [], boot: ['network'] }),
        'INVALID_ARGUMENT',
        { violations: [{ field: 'boot' }] },
      ],
      [
        'an SSH key that is not a public key',
        vm({ cloudInit: { sshAuthorizedKeys: ['-----BEGIN OPENSSH PRIVATE KEY-----'] } }),
        'INVALID_ARGUMENT',
        { violations: [expect.objectContaining({ field: 'cloudInit.sshAuthorizedKeys.0' })] },
      ],
      [
        'an address that is not CIDR',
        vm({ cloudInit: { interfaces: [{ ipv4: { address: '10.0.0.5' } }] } }),
        'INVALID_ARGUMENT',
        { violations: [expect.objectContaining({ field: 'cloudInit.interfaces.0.ipv4.address' })] },
      ],
      [
        'a host name that is not one',
        vm({ cloudInit: { hostname: 'not a host!' } }),
        'INVALID_ARGUMENT',
        { violations: [expect.objectContaining({ field: 'cloudInit.hostname' })] },
      ],
    ];
    it.each(cases)('%s', async (_name, spec, code, details) => {
      const before = creates().length;
      const error = await failure(pve.createGuest(spec));
      expect(isHypervisorError(error) && error.code).toBe(code);
      expect(isHypervisorError(error) && error.details).toMatchObject(details);
      expect(creates().length).toBe(before);
    });

    it('refuses a host name other than the name and inline user-data as UNSUPPORTED, with notes', async () => {
      const before = creates().length;
      const hostname = await failure(pve.createGuest(vm({ cloudInit: { hostname: 'other' } })));
      expect(isHypervisorError(hostname, 'UNSUPPORTED') && hostname.message).toContain('cloudInit.hostname');
      const userData = await failure(pve.createGuest(vm({ cloudInit: { userData: '#cloud-config\n' } })));
      expect(isHypervisorError(userData, 'UNSUPPORTED') && userData.message).toContain('cloudInit.userData');
      expect(pve.capabilities.notes?.['cloudInit.userData']).toContain('snippet');
      expect(creates().length).toBe(before);
    });

    it('never sends or shows the clear password in an error', async () => {
      const error = await failure(
        pve.createGuest(
          vm({
            source: { kind: 'image', volumeId: IMAGE },
            bootDisk: { sizeGiB: 1 },
            cloudInit: { password: PASSWORD },
          }),
        ),
      );
      expect(JSON.stringify(error)).not.toContain(PASSWORD);
      expect(String((error as Error).message)).not.toContain(PASSWORD);
    });
  });
});
