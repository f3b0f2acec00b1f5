import { isHypervisorError } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { mapPveFailure } from '../src/errors/pve-error-mapping.js';
import {
  createProxmoxConnector,
  formatUpid,
  parseUpid,
  proxmoxConnectorFactory,
  tryParseUpid,
} from '../src/index.js';
import {
  configMemoryMiB,
  guestFromResource,
  guestFromStatus,
  guestState,
  ListingValues,
  parseTags,
} from '../src/mapping/guest-mapping.js';
import type { PveClusterResource } from '../src/schemas/cluster.js';
import { PveGuestConfigSchema, PveGuestStatusSchema } from '../src/schemas/guests.js';
import { decodeOperationId, encodeOperationId } from '../src/tasks/operation-id.js';
import { taskOutcome, warningLines } from '../src/tasks/task-outcome.js';
import { encodePveParams } from '../src/transport/form-encoding.js';

const UPID = 'UPID:pve1:0020C066:042DF204:69C26EB0:vzdump::root@pam:';
const FINGERPRINT =
  '94:BC:30:C3:88:40:C9:69:F6:21:29:5B:E6:90:DA:B0:89:8C:AA:10:80:2B:1E:4F:93:BE:79:DB:C7:C0:1C:F2';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('UPID', () => {
  it('parses and formats the documented example', () => {
    const upid = parseUpid(UPID);
    expect(upid).toEqual({
      node: 'pve1',
      pid: 2146406,
      pstart: 70119940,
      starttime: 1774350000,
      type: 'vzdump',
      id: '',
      user: 'root@pam',
    });
    expect(formatUpid(upid)).toBe(UPID);
  });

  it('keeps token users and 9-digit pstart', () => {
    const text = 'UPID:pve-node1:00194D13:101A5F253:67CB135C:qmstop:105:root@pam!api:';
    expect(tryParseUpid(text)).toMatchObject({ user: 'root@pam!api', pstart: 0x101a5f253, id: '105' });
    expect(formatUpid(parseUpid(text))).toBe(text);
  });

  it('rejects what is not a UPID with INVALID_ARGUMENT', () => {
    for (const bad of [
      '',
      'UPID:pve1:1:2:3:x:y:z:',
      `${UPID}extra`,
      UPID.slice(0, -1),
      'UPID:-bad:0020C066:042DF204:69C26EB0:t::u:',
    ]) {
      expect(tryParseUpid(bad)).toBeUndefined();
      expect(
        isHypervisorError(
          thrown(() => parseUpid(bad)),
          'INVALID_ARGUMENT',
        ),
      ).toBe(true);
    }
  });
});

describe('operation ids', () => {
  it('round-trip type, guest and UPID in a URL-safe id', () => {
    const id = encodeOperationId({ type: 'snapshot.create', guestId: 'qemu/100', upid: UPID });
    expect(id).toMatch(/^pve1\.[A-Za-z0-9_-]+$/);
    expect(decodeOperationId(id)).toMatchObject({ type: 'snapshot.create', guestId: 'qemu/100', upid: UPID });
    const noGuest = decodeOperationId(encodeOperationId({ type: 'other', upid: UPID }));
    expect(noGuest.guestId).toBeUndefined();
    expect(noGuest.task.node).toBe('pve1');
  });

  it('turns garbage into INVALID_ARGUMENT, never a crash', () => {
    const garbage = [
      '',
      'nope',
      'pve1.',
      'pve1.!!!',
      `pve1.${Buffer.from('start\nqemu/100').toString('base64url')}`,
      `pve1.${Buffer.from(`fly\nqemu/100\n${UPID}`).toString('base64url')}`,
      `pve1.${Buffer.from(`start\nxen/100\n${UPID}`).toString('base64url')}`,
      `pve1.${Buffer.from('start\nqemu/100\nUPID:broken').toString('base64url')}`,
      `pve1.${'A'.repeat(5000)}`,
    ];
    for (const id of garbage) {
      const error = thrown(() => decodeOperationId(id));
      expect(isHypervisorError(error, 'INVALID_ARGUMENT'), id.slice(0, 40)).toBe(true);
    }
  });
});

describe('task outcome', () => {
  it('reads OK, WARNINGS, interruptions and errors', () => {
    expect(taskOutcome('running', undefined).status).toBe('running');
    expect(taskOutcome('stopped', 'OK')).toEqual({ status: 'succeeded' });
    expect(taskOutcome('stopped', 'WARNINGS: 2')).toEqual({ status: 'succeeded', warningCount: 2 });
    expect(taskOutcome('stopped', 'interrupted by signal').status).toBe('cancelled');
    expect(taskOutcome('stopped', 'VM is locked (backup)')).toEqual({
      status: 'failed',
      error: 'VM is locked (backup)',
    });
    expect(warningLines(['starting', 'WARN: low disk', 'TASK WARNINGS: 1'])).toEqual(['low disk']);
  });
});

describe('guest mapping', () => {
  it('reads memory as a number or a property string, tags, and QMP states', () => {
    expect(configMemoryMiB(2048)).toBe(2048);
    expect(configMemoryMiB('2048')).toBe(2048);
    expect(configMemoryMiB('current=4096,shares=0')).toBe(4096);
    expect(configMemoryMiB(undefined)).toBeUndefined();
    expect(parseTags('web;prod, eu')).toEqual(['web', 'prod', 'eu']);
    expect(guestState('running', 'paused')).toBe('paused');
    expect(guestState('running', 'suspended')).toBe('suspended');
    // qemu-server's vm_is_paused counts `prelaunch` as paused; QEMU's other held states stop the CPUs alike.
    expect(guestState('running', 'prelaunch')).toBe('paused');
    expect(guestState('running', 'io-error')).toBe('paused');
    expect(guestState('running', 'no-such-state')).toBe('unknown');
    expect(guestState('stopped')).toBe('stopped');
    expect(guestState('unknown')).toBe('unknown');
  });

  it('maps a PVE 8.1 VM status and config to a guest with the config digest', () => {
    const status = PveGuestStatusSchema.parse({
      vmid: '100',
      status: 'running',
      qmpstatus: 'running',
      cpus: 2,
    });
    const config = PveGuestConfigSchema.parse({
      name: 'web',
      memory: '2048',
      cores: 2,
      tags: 'a;b',
      digest: 'abc',
    });
    const guest = guestFromStatus(
      'qemu',
      'pve1',
      status,
      { current: config, pending: {}, deletes: [] },
      'tenant',
    );
    expect(guest).toMatchObject({
      id: 'qemu/100',
      type: 'vm',
      name: 'web',
      node: 'pve1',
      state: 'running',
      tags: ['a', 'b'],
      pool: 'tenant',
      resources: { cpus: 2, memoryBytes: 2048 * 1024 * 1024 },
      raw: { digest: 'abc' },
    });
  });

  it("takes a /cluster/resources entry's id as it is only when it is the type and VMID PVE writes", () => {
    const entry = (id: string, vmid?: number): PveClusterResource => ({
      id,
      type: 'qemu',
      node: 'pve1',
      ...(vmid === undefined ? {} : { vmid }),
      status: 'running',
      maxcpu: 2,
      maxmem: 2 ** 31,
      name: 'web',
    });
    const same = entry('qemu/100', 100);
    expect(guestFromResource(same).id).toBe(same.id);
    expect(guestFromResource(entry('qemu/100')).id).toBe('qemu/100');
    for (const [id, vmid] of [
      ['qemu/0100', 100],
      ['qemu/101', 100],
      ['qemu/10x', 10],
      ['lxc/100', 100],
      ['qemu/', 0],
    ] as const) {
      expect(guestFromResource(entry(id, vmid)).id).toBe(`qemu/${vmid}`);
    }
  });

  it('builds usage and resources with exactly the figures PVE gave', () => {
    const full = guestFromResource({
      id: 'lxc/7',
      type: 'lxc',
      vmid: 7,
      status: 'running',
      maxcpu: 1,
      maxmem: 512,
      maxdisk: 8,
      name: 'ct',
      cpu: 0.5,
      mem: 100,
      disk: 2,
      uptime: 9,
      netin: 3,
      netout: 4,
    } as PveClusterResource);
    expect(full.usage).toStrictEqual({
      cpu: 0.5,
      memoryBytes: 100,
      diskBytes: 2,
      uptimeSeconds: 9,
      netInBytes: 3,
      netOutBytes: 4,
    });
    expect(full.resources).toStrictEqual({ cpus: 1, memoryBytes: 512, diskBytes: 8 });
    const partial = guestFromResource({
      id: 'lxc/7',
      type: 'lxc',
      vmid: 7,
      status: 'stopped',
      maxcpu: 1,
      maxmem: 512,
      name: 'ct',
      uptime: 0,
    } as PveClusterResource);
    expect(partial.usage).toStrictEqual({ uptimeSeconds: 0 });
    expect(partial.resources).toStrictEqual({ cpus: 1, memoryBytes: 512 });
  });

  it('shares equal tag lists and resources within one listing, frozen, and never across listings', () => {
    const item = (vmid: number, maxmem: number, tags: string, status = 'running') =>
      ({
        id: `qemu/${vmid}`,
        type: 'qemu',
        vmid,
        status,
        maxcpu: 2,
        maxmem,
        maxdisk: 32,
        name: `g${vmid}`,
        tags,
        cpu: status === 'running' ? 0.25 : 0,
        mem: status === 'running' ? 64 : 0,
        disk: 0,
        uptime: status === 'running' ? 10 : 0,
        netin: status === 'running' ? 5 : 0,
        netout: status === 'running' ? 6 : 0,
      }) as PveClusterResource;
    const listing = new ListingValues();
    const [a, b, c] = [item(1, 1024, 'x;y'), item(2, 1024, 'x;y'), item(3, 2048, 'z')].map((entry) =>
      guestFromResource(entry, undefined, listing),
    );
    expect(a?.resources).toBe(b?.resources);
    expect(a?.tags).toBe(b?.tags);
    expect(c?.resources).toStrictEqual({ cpus: 2, memoryBytes: 2048, diskBytes: 32 });
    expect(c?.resources).not.toBe(a?.resources);
    expect(c?.tags).toStrictEqual(['z']);
    expect(Object.isFrozen(a?.resources) && Object.isFrozen(a?.tags)).toBe(true);
    // Each running guest has its own usage; stopped guests that use nothing share one frozen zero record.
    expect(a?.usage).not.toBe(b?.usage);
    const [s1, s2] = [item(4, 1024, '', 'stopped'), item(5, 1024, '', 'stopped')].map((entry) =>
      guestFromResource(entry, undefined, listing),
    );
    expect(s1?.usage).toBe(s2?.usage);
    expect(s1?.usage).toStrictEqual({
      cpu: 0,
      memoryBytes: 0,
      diskBytes: 0,
      uptimeSeconds: 0,
      netInBytes: 0,
      netOutBytes: 0,
    });
    expect(Object.isFrozen(s1?.usage)).toBe(true);
    const other = guestFromResource(item(1, 1024, 'x;y'), undefined, new ListingValues());
    expect(other.resources).toStrictEqual(a?.resources);
    expect(other.resources).not.toBe(a?.resources);
  });
});

describe('form encoding', () => {
  it('sends booleans as 1/0, repeats arrays and leaves out absent values', () => {
    expect(encodePveParams({ a: true, b: false, c: undefined, d: 'x y', e: ['l', 's'], f: 3 })).toBe(
      'a=1&b=0&d=x+y&e=l&e=s&f=3',
    );
  });
});

describe('error mapping', () => {
  const map = (status: number, reason: string, message?: string) =>
    mapPveFailure({ status, reason, method: 'POST', path: '/x', ...(message ? { body: { message } } : {}) });

  it('maps statuses and texts to contract codes', () => {
    expect(map(500, "Configuration file 'nodes/pve/qemu-server/100.conf' does not exist").code).toBe(
      'NOT_FOUND',
    );
    expect(map(500, 'x', 'VM is locked (backup)\n')).toMatchObject({ code: 'CONFLICT', retryable: true });
    expect(map(500, "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout")).toMatchObject({
      code: 'CONFLICT',
      retryable: true,
    });
    expect(map(500, 'VM 100 not running')).toMatchObject({ code: 'CONFLICT', retryable: false });
    expect(map(500, 'got no worker upid - start worker failed')).toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
    });
    for (const status of [595, 596, 597, 599])
      expect(map(status, 'Connection refused').code).toBe('UNAVAILABLE');
    expect(map(401, 'No ticket').code).toBe('UNAUTHENTICATED');
    expect(map(404, 'nope').code).toBe('NOT_FOUND');
    expect(map(500, 'something odd').code).toBe('INTERNAL');
  });

  it('names the missing privilege of a 403', () => {
    const error = map(403, 'Permission check failed (/vms/100, VM.PowerMgmt)');
    expect(error.code).toBe('PERMISSION_DENIED');
    expect(error.details).toMatchObject({ privilege: 'VM.PowerMgmt', aclPath: '/vms/100' });
  });

  it('gives each bad parameter of a 400 its own violation', () => {
    const error = mapPveFailure({
      status: 400,
      reason: 'Parameter verification failed.',
      body: {
        errors: { memory: 'value must have a minimum value of 16', cores: "type check ('integer') failed" },
      },
      method: 'POST',
      path: '/nodes/pve/qemu',
    });
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.details?.violations).toEqual([
      { field: 'memory', message: 'value must have a minimum value of 16' },
      { field: 'cores', message: "type check ('integer') failed" },
    ]);
  });
});

describe('config', () => {
  const valid = {
    endpoints: ['https://pve1.example:8006'],
    credentials: { tokenId: 'root@pam!ci', secret: 'super-secret-value' },
    tls: { fingerprint: FINGERPRINT.replace(/:/g, '').toLowerCase() },
  };

  it('applies defaults and normalises endpoints and fingerprints', () => {
    const config = proxmoxConnectorFactory.configSchema.parse({
      ...valid,
      endpoints: ['https://pve1.example', { url: 'https://10.0.0.2:8006/', node: 'pve2' }],
    });
    expect(config.endpoints).toEqual([
      { url: 'https://pve1.example:8006' },
      { url: 'https://10.0.0.2:8006', node: 'pve2' },
    ]);
    expect(config.tls.fingerprint).toBe(FINGERPRINT);
    expect(config.credentials.type).toBe('token');
    expect(config.concurrency).toBe(4);
    expect(config.timeouts).toEqual({ requestMs: 30_000, connectMs: 10_000 });
    expect(config.tasks).toEqual({
      initialIntervalMs: 500,
      backoffFactor: 1.5,
      maxIntervalMs: 2_000,
      noSuchTaskGraceMs: 10_000,
    });
    const partial = proxmoxConnectorFactory.configSchema.parse({ ...valid, tasks: { initialIntervalMs: 5 } });
    expect(partial.tasks).toMatchObject({ initialIntervalMs: 5, backoffFactor: 1.5, maxIntervalMs: 2_000 });
  });

  it('rejects bad config with INVALID_ARGUMENT naming each field, never echoing secrets', () => {
    const error = thrown(() =>
      createProxmoxConnector({
        endpoints: ['http://pve1.example:8006'],
        credentials: { type: 'password', username: 'root@pam', password: 'hunter2-secret', realm: '!' },
        tls: { insecure: true, fingerprint: FINGERPRINT },
        concurrency: 0,
      }),
    );
    expect(isHypervisorError(error, 'INVALID_ARGUMENT')).toBe(true);
    const fields = (error as { violations: { field: string }[] }).violations.map((v) => v.field);
    expect(fields).toEqual(
      expect.arrayContaining(['endpoints.0', 'credentials.realm', 'tls.insecure', 'concurrency']),
    );
    expect(JSON.stringify(error)).not.toContain('hunter2');
    expect(String((error as Error).message)).not.toContain('hunter2');
  });

  it('rejects a token id without a token name, and unknown keys', () => {
    const error = thrown(() =>
      createProxmoxConnector({
        ...valid,
        credentials: { tokenId: 'root@pam', secret: 's' },
        extra: 1,
      } as never),
    );
    const fields = (error as { violations: { field: string }[] }).violations.map((v) => v.field);
    expect(fields).toEqual(expect.arrayContaining(['credentials.tokenId', 'extra']));
  });
});

describe('target URIs', () => {
  it('reads a token target with its fingerprint; the secret stays out of the URI', () => {
    const config = proxmoxConnectorFactory.configFromUri(
      `proxmox://root@pam!ci@pve1.example:8006?fingerprint=${FINGERPRINT}&pool=tenant-a`,
      { secret: 'token-secret' },
    );
    expect(config).toMatchObject({
      endpoints: [{ url: 'https://pve1.example:8006' }],
      credentials: { type: 'token', tokenId: 'root@pam!ci', secret: 'token-secret' },
      tls: { fingerprint: FINGERPRINT },
      pool: 'tenant-a',
    });
  });

  it('reads a password target, the default port and extra endpoints', () => {
    const config = proxmoxConnectorFactory.configFromUri(
      'proxmox://alice@pve@pve1.example?insecure=1&endpoint=https://pve2.example:8006&concurrency=2',
      { secret: 'pw' },
    );
    expect(config).toMatchObject({
      endpoints: [{ url: 'https://pve1.example:8006' }, { url: 'https://pve2.example:8006' }],
      credentials: { type: 'password', username: 'alice@pve', password: 'pw' },
      tls: { insecure: true },
      concurrency: 2,
    });
  });

  it('validates to a config that validates again unchanged, and names a missing secret', () => {
    const config = proxmoxConnectorFactory.configFromUri(
      `proxmox+token://root@pam!ci@pve1.example?fingerprint=${FINGERPRINT}`,
      {
        secret: 's',
      },
    );
    expect(proxmoxConnectorFactory.configSchema.parse(config)).toEqual(config);
    const error = thrown(() => proxmoxConnectorFactory.configFromUri('proxmox://root@pam!ci@pve1.example'));
    expect((error as { violations: { field: string }[] }).violations.map((v) => v.field)).toEqual([
      'credentials.secret',
    ]);
  });

  it('rejects malformed URIs and secrets inside them', () => {
    for (const uri of [
      'https://pve1.example',
      'proxmox://pve1.example',
      'proxmox://root@pam:pw@pve1.example',
      'proxmox://root@pam!ci@pve1.example?bogus=1',
    ]) {
      expect(
        isHypervisorError(
          thrown(() => proxmoxConnectorFactory.configFromUri(uri, { secret: 's' })),
          'INVALID_ARGUMENT',
        ),
        uri,
      ).toBe(true);
    }
  });
});
