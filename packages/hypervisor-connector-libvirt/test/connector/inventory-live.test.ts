// The inventory of the shared lab, compared with what virsh says: the shared dir pool, its volumes, networks.

import { randomUUID } from 'node:crypto';
import { iteratePages } from '@hvc/hypervisor-connector';
import { afterAll, describe, expect, it } from 'vitest';
import { injectLab } from '../lab/provided-lab.js';
import { virsh } from '../lab/virsh.js';
import { LiveGuests } from './support/live-guests.js';

const lab = injectLab();
const [one, two] = lab.hosts as [(typeof lab.hosts)[0], (typeof lab.hosts)[0]];
const live = new LiveGuests(lab);
const volumes: string[] = [];

afterAll(async () => {
  for (const name of volumes)
    await virsh(one.unixUri, ['vol-delete', name, '--pool', lab.pool.name]).catch(() => {});
  await live.dispose();
}, 120_000);

describe('the libvirt inventory', () => {
  it('lists the shared dir pool once, on every host, with its space as libvirt reports it', async () => {
    const connector = live.connect();
    const { items } = await connector.listStorages();
    const pool = items.find((s) => s.id === lab.pool.name);
    expect(pool).toMatchObject({
      type: 'dir',
      shared: true,
      enabled: true,
      contentKinds: ['disk', 'iso', 'image'],
      raw: expect.objectContaining({ path: lab.pool.path }),
    });
    expect(pool!.availability.map((a) => [a.node, a.active])).toEqual([
      [one.name, true],
      [two.name, true],
    ]);
    const info = await virsh(one.unixUri, ['pool-info', lab.pool.name, '--bytes']);
    const capacity = Number(/Capacity:\s+(\d+)/.exec(info)?.[1]);
    expect(pool!.capacityBytes).toBe(capacity);
    expect(
      (await connector.listStorages({ node: two.name, contentKinds: ['iso'] })).items.map((s) => s.id),
    ).toContain(lab.pool.name);
    await expect(connector.listStorages({ node: 'no-such-host' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('lists base volumes as images with format and virtual size, once for the shared pool', async () => {
    const connector = live.connect();
    const name = `inv-${randomUUID().slice(0, 8)}.qcow2`;
    volumes.push(name);
    await virsh(one.unixUri, ['vol-create-as', lab.pool.name, name, '64M', '--format', 'qcow2']);
    await virsh(two.unixUri, ['pool-refresh', lab.pool.name]);
    const images = [];
    for await (const image of iteratePages((page) => connector.listImages({ ...page, pageSize: 2 })))
      images.push(image);
    const made = images.filter((i) => i.name === name);
    expect(made).toEqual([
      expect.objectContaining({
        id: `${lab.pool.name}:${name}`,
        kind: 'disk-image',
        storage: lab.pool.name,
        format: 'qcow2',
        virtualSizeBytes: 64 * 1024 * 1024,
      }),
    ]);
    expect(made[0]!.node).toBeUndefined();
    expect((await connector.listImages({ kinds: ['iso'], namePrefix: name })).items).toEqual([]);
    await expect(connector.listImages({ storage: 'no-such-pool' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { resource: 'storage' },
    });
  });

  it('lists libvirt networks as virsh does, one per name', async () => {
    const connector = live.connect();
    const { items } = await connector.listNetworks();
    const listed = async (uri: string) =>
      (await virsh(uri, ['net-list', '--all', '--name']))
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
    const names = new Set([...(await listed(one.unixUri)), ...(await listed(two.unixUri))]);
    expect(items.map((n) => n.id).sort()).toEqual([...names].sort());
    expect(items.every((n) => n.kind === 'virtual-network')).toBe(true);
  });
});
