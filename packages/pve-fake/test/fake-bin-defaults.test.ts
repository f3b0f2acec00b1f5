import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, type Ready, runFakeBin, startFakeBin } from './support/fake-bin.js';

describe('hvc-pve-fake without options', () => {
  let child: ChildProcess | undefined;
  let ready: Ready;
  const get = async (path: string) =>
    (
      await curl([
        '-H',
        `Authorization: PVEAPIToken=${ready.tokenId}=${ready.tokenSecret}`,
        `${ready.url}/api2/json${path}`,
      ])
    ).body.data as Record<string, unknown>[];

  beforeAll(async () => {
    ({ child, ready } = await startFakeBin([]));
  }, 30_000);

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('says in its usage text what it starts', async () => {
    const usage = await runFakeBin(['--help']);
    for (const option of ['[--nodes 3]', '[--qemu 10]', '[--lxc 5]', '[--port 0]', '[--task-ms 500]']) {
      expect(usage).toContain(option);
    }
  });

  it('starts what the usage text says: 3 nodes, 10 VMs and 5 containers, on a free loopback port', async () => {
    expect(ready.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await get('/nodes')).map((node) => node.node)).toEqual(['pve1', 'pve2', 'pve3']);
    const guests = await get('/cluster/resources?type=vm');
    expect(guests.filter((guest) => guest.type === 'qemu')).toHaveLength(10);
    expect(guests.filter((guest) => guest.type === 'lxc')).toHaveLength(5);
  });
});
