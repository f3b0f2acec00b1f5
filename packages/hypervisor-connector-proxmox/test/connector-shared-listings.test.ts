import { isHypervisorError } from '@hvc/hypervisor-connector';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rejection } from '../../hypervisor-connector-kit/test/support/rejection.js';
import { ClusterResourcesInPlaceSchema } from '../src/schemas/cluster-resources-reader.js';
import { directReader, pveRecords } from '../src/schemas/pve-record.js';
import { clusterResourceFields } from '../src/schemas/record-fields.js';
import { type FakeTarget, startFakeTarget } from './support/pve-fake-target.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('concurrent listGuests calls', () => {
  let target: FakeTarget;
  beforeAll(async () => {
    target = await startFakeTarget();
  });
  afterAll(() => target.close());
  beforeEach(() => target.fake.faults.clear());

  // One listing reads /cluster/resources once: the guests, and the node entries that tell nodes down.
  const listings = () =>
    target.fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/cluster/resources')).length;
  const slowListing = () =>
    target.fake.faults.add({ method: 'GET', path: '/cluster/resources', latencyMs: 200, times: 1 });

  it('with the same filter share one listing, each with its own array of the same guests', async () => {
    const connector = target.connect('token');
    cleanups.push(() => connector.close());
    slowListing();
    const before = listings();
    const results = await Promise.all(Array.from({ length: 20 }, () => connector.listGuests({ type: 'vm' })));
    expect(listings() - before).toBe(1);
    const [first, second] = results;
    expect(first?.map((guest) => guest.id)).toEqual(['qemu/100', 'qemu/101', 'qemu/9000']);
    expect(first).not.toBe(second);
    expect(first?.[0]).toBe(second?.[0]);
    first?.pop();
    expect(second).toHaveLength(3);
  });

  it('with different filters list apart, and a later call lists again', async () => {
    const connector = target.connect('token');
    cleanups.push(() => connector.close());
    slowListing();
    const before = listings();
    const [vms, containers] = await Promise.all([
      connector.listGuests({ type: 'vm' }),
      connector.listGuests({ type: 'container' }),
    ]);
    expect(vms.every((guest) => guest.type === 'vm')).toBe(true);
    expect(containers.map((guest) => guest.id)).toEqual(['lxc/102', 'lxc/103', 'lxc/9001']);
    expect(listings() - before).toBe(2);
    await connector.listGuests({ type: 'vm' });
    expect(listings() - before).toBe(3);
  });

  it('do not join a listing that started before a write of the connector', async () => {
    const connector = target.connect('token');
    cleanups.push(() => connector.close());
    await connector.getGuest('qemu/101');
    slowListing();
    const before = listings();
    const early = connector.listGuests({ type: 'vm' });
    const operation = await connector.startGuest('qemu/101');
    const late = connector.listGuests({ type: 'vm' });
    await Promise.all([early, late]);
    expect(listings() - before).toBe(2);
    await connector.waitForOperation(operation.id);
    await connector.stopGuest('qemu/101').then((stop) => connector.waitForOperation(stop.id));
  });

  it('let an aborted caller go without failing the others', async () => {
    const connector = target.connect('token');
    cleanups.push(() => connector.close());
    slowListing();
    const controller = new AbortController();
    const aborted = rejection(connector.listGuests({}, { signal: controller.signal }));
    const other = connector.listGuests({});
    controller.abort();
    expect(isHypervisorError(await aborted, 'CANCELLED')).toBe(true);
    expect((await other).length).toBeGreaterThan(0);
  });
});

describe('the /cluster/resources reader', () => {
  const generic = directReader(pveRecords(clusterResourceFields, 'in-place'));
  const fast = directReader(ClusterResourcesInPlaceSchema);
  const usual = {
    id: 'qemu/100',
    type: 'qemu',
    node: 'pve1',
    vmid: 100,
    name: 'web',
    status: 'running',
    template: 0,
    maxcpu: 2,
    cpu: 0.1,
    maxmem: 2048,
    mem: 1024,
    maxdisk: 10,
    disk: 1,
    netin: 5,
    netout: 6,
    uptime: 7,
    hastate: 'started',
    pool: 'p',
    lock: 'backup',
    tags: 'a;b',
    extra: { kept: true },
  };
  const VALUES: unknown[] = [
    undefined,
    null,
    '',
    0,
    1,
    2.5,
    '7',
    '-3.5e2',
    'abc',
    true,
    false,
    {},
    [],
    'x;y',
  ];

  it('gives the values and the first problem of the field readers for every field and kind of value', () => {
    expect(generic).toBeDefined();
    expect(fast).toBeDefined();
    let compared = 0;
    for (const field of Object.keys(clusterResourceFields)) {
      for (const value of VALUES) {
        const item: Record<string, unknown> = { ...usual };
        if (value === undefined) delete item[field];
        else item[field] = value;
        const expected = generic?.([structuredClone(item), structuredClone(usual)]);
        const actual = fast?.([structuredClone(item), structuredClone(usual)]);
        expect(actual, `${field} = ${JSON.stringify(value)}`).toStrictEqual(expected);
        compared++;
      }
    }
    expect(compared).toBe(Object.keys(clusterResourceFields).length * VALUES.length);
    for (const input of [null, {}, 'x', [null], [[]], [5]]) {
      expect(fast?.(structuredClone(input))).toStrictEqual(generic?.(structuredClone(input)));
    }
  });

  it('normalises in place', () => {
    const items = [{ ...usual, template: 1, vmid: '100', name: '' }];
    const result = fast?.(items);
    expect(result && 'value' in result && result.value).toBe(items);
    expect(items[0]).toMatchObject({ template: true, vmid: 100, name: undefined });
  });
});
