import { createHash } from 'node:crypto';
import { shaCrypt } from '@hvc/hypervisor-connector-kit/cloud-init';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake } from '../src/index.js';
import { type MswApi, mswApi } from './support/msw-api.js';

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

/** Cloud-init on a VM, each behaviour as qemu-server `API2/Qemu.pm` and `QemuServer/Cloudinit.pm` have it. */
describe('PVE fake: cloud-init drive, keys and generated documents', () => {
  const server = setupServer();
  let fake: PveFake;
  let api: MswApi;

  const userApi = (name: string, privs: readonly string[]): MswApi => {
    const userid = `${name}@pve`;
    fake.addUser({ userid, password: 'secret-pw' });
    fake.addRole(`R${name}`, privs);
    fake.setAcl({ path: '/vms', roles: `R${name}`, user: userid });
    return mswApi(server, fake, fake.addToken(userid, 't', { privsep: false }));
  };
  const config = async (vmid: number) =>
    (await api.call<Record<string, unknown>>('GET', `/nodes/pve1/qemu/${vmid}/config`)).body.data;
  const dump = async (vmid: number, type: string, as: MswApi = api) => {
    const res = await as.call<string>('GET', `/nodes/pve1/qemu/${vmid}/cloudinit/dump`, { type });
    expect(res.status, res.reason).toBe(200);
    return res.body.data;
  };
  const createCloudVm = async (extra: Record<string, string | number> = {}) => {
    const res = await api.call<string>('POST', '/nodes/pve1/qemu', {
      vmid: 200,
      name: 'web1',
      net0: 'virtio=BC:24:11:AA:BB:CC,bridge=vmbr0',
      scsi0: 'local-lvm:8',
      ide2: 'local-lvm:cloudinit',
      ciuser: 'alice',
      sshkeys: encodeURIComponent(`${KEY_A}\n${KEY_B}\n`),
      ipconfig0: 'ip=10.0.0.50/24,gw=10.0.0.1',
      nameserver: '1.1.1.1 9.9.9.9',
      searchdomain: 'example.test',
      ciupgrade: 0,
      ...extra,
    });
    expect(res.status, res.reason).toBe(200);
    return api.task(res.body.data);
  };

  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  beforeEach(() => {
    fake = createPveFake({ nodes: ['pve1'], guests: [{ vmid: 100, node: 'pve1' }], taskDurationMs: 0 });
    api = mswApi(server, fake);
  });

  it('allocates <storage>:cloudinit as vm-<vmid>-cloudinit with media=cdrom in the create task (create_disks)', async () => {
    const { status, log } = await createCloudVm();
    expect(status.exitstatus).toBe('OK');
    expect(log).toContain("ide2: successfully created disk 'local-lvm:vm-200-cloudinit,media=cdrom'");
    expect((await config(200)).ide2).toBe('local-lvm:vm-200-cloudinit,media=cdrom');
    const onDir = await api.call<string>('POST', '/nodes/pve1/qemu/100/config', { ide0: 'local:cloudinit' });
    expect((await api.task(onDir.body.data)).status.exitstatus).toBe('OK');
    expect((await config(100)).ide0).toBe('local:vm-100-cloudinit.qcow2,media=cdrom');
  });

  it("refuses a second cloud-init drive inside the worker (create_disks: 'cloud-init drive is already attached')", async () => {
    const both = await api.call<string>('POST', '/nodes/pve1/qemu', {
      vmid: 201,
      ide0: 'local-lvm:cloudinit',
      ide2: 'local-lvm:cloudinit',
    });
    expect(both.status).toBe(200);
    expect((await api.task(both.body.data)).status.exitstatus).toBe(
      "ide2 - cloud-init drive is already attached at 'ide0'",
    );
    await createCloudVm();
    const more = await api.call<string>('POST', '/nodes/pve1/qemu/200/config', {
      sata0: 'local-lvm:cloudinit',
    });
    expect((await api.task(more.body.data)).status.exitstatus).toBe(
      "sata0 - cloud-init drive is already attached at 'ide2'",
    );
  });

  it('dumps the user-data, network config and meta-data Cloudinit.pm generates (dump_cloudinit_config)', async () => {
    await createCloudVm();
    expect(await dump(200, 'user')).toBe(
      [
        '#cloud-config',
        'hostname: web1',
        'manage_etc_hosts: true',
        'fqdn: web1.example.test',
        'user: alice',
        'ssh_authorized_keys:',
        `  - ${KEY_A}`,
        `  - ${KEY_B}`,
        'chpasswd:',
        '  expire: False',
        'users:',
        '  - default',
        '',
      ].join('\n'),
    );
    const network = await dump(200, 'network');
    expect(network).toBe(
      [
        'version: 1',
        'config:',
        '    - type: physical',
        '      name: eth0',
        "      mac_address: 'bc:24:11:aa:bb:cc'",
        '      subnets:',
        '      - type: static',
        "        address: '10.0.0.50'",
        "        netmask: '255.255.255.0'",
        "        gateway: '10.0.0.1'",
        '    - type: nameserver',
        '      address:',
        "      - '1.1.1.1'",
        "      - '9.9.9.9'",
        '      search:',
        "      - 'example.test'",
        '',
      ].join('\n'),
    );
    const user = await dump(200, 'user');
    const id = createHash('sha1')
      .update(user + network)
      .digest('hex');
    expect(await dump(200, 'meta')).toBe(`instance-id: ${id}\n`);
  });

  it('defaults: ciupgrade 1 writes package_upgrade, no searchdomain/nameserver copies the host resolv.conf (get_dns_conf)', async () => {
    await createCloudVm({ ciupgrade: 1, ipconfig0: 'ip=dhcp,ip6=auto' });
    await api.call('PUT', '/nodes/pve1/qemu/200/config', { delete: 'nameserver,searchdomain' });
    expect(await dump(200, 'user')).toMatch(/\nfqdn: web1\n[\s\S]*package_upgrade: true\n$/);
    const network = await dump(200, 'network');
    expect(network).toContain('      - type: dhcp4\n      - type: ipv6_slaac\n');
    expect(network).toContain("      address:\n      - '10.0.0.1'\n      search:\n      - 'pve.test'\n");
  });

  it('hashes cipassword with encrypt_pw ($5$) on config update unless already crypted, and masks it everywhere ($update_vm_api, vm_config)', async () => {
    await createCloudVm();
    const res = await api.call<string>('POST', '/nodes/pve1/qemu/200/config', {
      cipassword: 'plain pw',
      ciuser: 'bob',
    });
    const { log } = await api.task(res.body.data);
    expect(log[0]).toBe('update VM 200: -cipassword <hidden> -ciuser bob');
    expect(log.join('\n')).not.toContain('plain pw');
    const hashed = /\npassword: (\S+)\n/.exec(await dump(200, 'user'))?.[1] ?? '';
    expect(hashed).toMatch(/^\$5\$[^$]{8}\$[./0-9A-Za-z]{43}$/);
    expect(hashed).toBe(
      shaCrypt('plain pw', { algorithm: 'sha256', salt: hashed.split('$')[2]!, rounds: 'implicit' }),
    );
    expect((await config(200)).cipassword).toBe('**********');
    const pending = (await api.call<Record<string, unknown>[]>('GET', '/nodes/pve1/qemu/200/pending')).body
      .data;
    expect(pending.find((p) => p.key === 'cipassword')).toMatchObject({ value: '**********' });
    const sha512 = '$6$rounds=5000$salt$abc';
    await api.call('PUT', '/nodes/pve1/qemu/200/config', { cipassword: sha512 });
    expect(await dump(200, 'user')).toContain(`\npassword: ${sha512}\n`);
    const auditor = userApi('auditor', ['VM.Audit']);
    expect(await dump(200, 'user', auditor)).toContain('\npassword: **********\n');
  });

  it('stores cipassword as given on create: create_vm has no encrypt_pw', async () => {
    await createCloudVm({ cipassword: 'given' });
    expect(await dump(200, 'user')).toContain('\npassword: given\n');
  });

  it('SHA-256 crypt matches glibc crypt(3) (encrypt_pw)', () => {
    // python3 -c "import crypt; print(crypt.crypt('secret pw', '\$5\$abcdefgh\$'))"
    expect(shaCrypt('secret pw', { algorithm: 'sha256', salt: 'abcdefgh', rounds: 'implicit' })).toBe(
      '$5$abcdefgh$u38dWrnZovI.F76EjRazu8CK4f245zUyWOpc8bj.Ev2',
    );
  });

  it('checks sshkeys: urlencoded format (400), then each unescaped line as a key (500, validate_ssh_public_keys)', async () => {
    const raw = await api.call('PUT', '/nodes/pve1/qemu/100/config', { sshkeys: KEY_A });
    expect(raw.status).toBe(400);
    expect(raw.body.errors).toEqual({ sshkeys: `invalid format - invalid urlencoded string: ${KEY_A}\n` });
    const bogus = await api.call('PUT', '/nodes/pve1/qemu/100/config', {
      sshkeys: encodeURIComponent(`${KEY_A}\nssh-ed25519 bm90IGEga2V5 x`),
    });
    expect(bogus).toMatchObject({ status: 500, reason: 'SSH public key validation error' });
    const onCreate = await api.call('POST', '/nodes/pve1/qemu', {
      vmid: 202,
      sshkeys: encodeURIComponent('hello'),
    });
    expect(onCreate).toMatchObject({ status: 500, reason: 'SSH public key validation error' });
    const withOptions = encodeURIComponent(`from="10.0.0.0/8" ${KEY_A}\n\n`);
    expect((await api.call('PUT', '/nodes/pve1/qemu/100/config', { sshkeys: withOptions })).status).toBe(200);
  });

  it('checks ipconfigN (pve-qm-ipconfig with requires), nameserver (address-list) and cicustom against the schema formats', async () => {
    const cases: [Record<string, string>, Record<string, string>][] = [
      [
        { ipconfig0: 'ip=10.0.0.5' },
        {
          ipconfig0:
            'invalid format - format error\nipconfig0.ip: invalid format - value does not look like a valid ipv4 network configuration\n\n',
        },
      ],
      [
        { ipconfig1: 'gw=10.0.0.1' },
        {
          ipconfig1:
            "invalid format - format error\nipconfig1.ip: missing property required by 'ipconfig1.gw'\n",
        },
      ],
      [
        { ipconfig0: 'ip=dhcp,mtu=1400' },
        { ipconfig0: 'invalid format - invalid key in comma-separated list property: mtu\n' },
      ],
      [
        { nameserver: '1.1.1.1 not_valid!' },
        { nameserver: 'invalid format - value does not look like a valid address: not_valid!\n' },
      ],
      [
        { cicustom: 'vendor=hvc-vendor.yaml' },
        {
          cicustom:
            "invalid format - format error\ncicustom.vendor: invalid format - unable to parse volume ID 'hvc-vendor.yaml'\n\n",
        },
      ],
    ];
    for (const [params, errors] of cases) {
      const res = await api.call('PUT', '/nodes/pve1/qemu/100/config', params);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(errors);
    }
    const ok = {
      ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1,ip6=fd00::5/64,gw6=fd00::1',
      nameserver: '1.1.1.1 dns.example',
    };
    expect((await api.call('PUT', '/nodes/pve1/qemu/100/config', ok)).status).toBe(200);
  });

  it('GET .../cloudinit lists what differs from the image, PUT .../cloudinit regenerates it (cloudinit_pending, cloudinit_update)', async () => {
    await createCloudVm();
    const pending = async () =>
      (await api.call<Record<string, unknown>[]>('GET', '/nodes/pve1/qemu/200/cloudinit')).body.data;
    expect(await pending()).toContainEqual({ key: 'ciuser', value: 'alice' });
    expect((await pending()).filter((i) => 'pending' in i || 'delete' in i)).toEqual([]);
    await api.call('PUT', '/nodes/pve1/qemu/200/config', {
      ciuser: 'bob',
      cipassword: 'pw',
      delete: 'nameserver',
    });
    const changed = await pending();
    expect(changed).toContainEqual({ key: 'ciuser', value: 'alice', pending: 'bob' });
    expect(changed).toContainEqual({ key: 'cipassword', pending: '**********' });
    expect(changed).toContainEqual({ key: 'nameserver', delete: 1 });
    const put = await api.call('PUT', '/nodes/pve1/qemu/200/cloudinit');
    expect(put.status, put.reason).toBe(200);
    expect(put.body.data).toBeNull();
    expect(await pending()).toContainEqual({ key: 'ciuser', value: 'bob' });
  });

  it('reads cicustom files only as snippets when the image is made (read_cloudinit_snippets_file)', async () => {
    await createCloudVm();
    await api.call('PUT', '/nodes/pve1/qemu/200/config', {
      cicustom: 'user=local:iso/debian-12.7.0-amd64-netinst.iso',
    });
    expect(await api.call('PUT', '/nodes/pve1/qemu/200/cloudinit')).toMatchObject({
      status: 500,
      reason: 'local:iso/debian-12.7.0-amd64-netinst.iso is not in the snippets directory',
    });
    await api.call('PUT', '/nodes/pve1/qemu/200/config', {
      cicustom: 'vendor=local:snippets/hvc-vendor.yaml',
    });
    expect((await api.call('PUT', '/nodes/pve1/qemu/200/cloudinit')).status).toBe(200);
  });

  it('asks VM.Config.Cloudinit or VM.Config.Network for ci keys, Cloudinit and CDROM for the drive ($check_vm_modify_config_perm, $check_drive_perms)', async () => {
    const network = userApi('net', ['VM.Audit', 'VM.Config.Network']);
    expect(
      (await network.call('PUT', '/nodes/pve1/qemu/100/config', { ipconfig0: 'ip=dhcp', ciuser: 'x' }))
        .status,
    ).toBe(200);
    const cdrom = userApi('cd', ['VM.Audit', 'VM.Config.CDROM', 'Datastore.AllocateSpace']);
    expect(
      await cdrom.call('PUT', '/nodes/pve1/qemu/100/config', { ide0: 'local-lvm:cloudinit' }),
    ).toMatchObject({
      status: 403,
      reason: 'Permission check failed (/vms/100, VM.Config.Cloudinit)',
    });
  });
});
