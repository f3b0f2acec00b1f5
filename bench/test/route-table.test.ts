import { describe, expect, it } from 'vitest';
import { buildGuestFleet } from '../src/responder/guest-fleet.js';
import { RouteTable } from '../src/responder/route-table.js';
import { TaskRegistry } from '../src/responder/task-registry.js';

const UPID =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/;
const HOUR = 3_600_000;

const json = (body: Buffer) => JSON.parse(body.toString('utf8')) as { data: unknown };

function table(guests = 100, taskMs = HOUR) {
  const fleet = buildGuestFleet(guests, 4);
  const tasks = new TaskRegistry(taskMs);
  return { fleet, tasks, routes: new RouteTable(fleet, tasks) };
}

describe('RouteTable', () => {
  it('lists every guest of the fleet in /cluster/resources?type=vm, spread over the nodes', () => {
    const { routes } = table(1_000);
    const answer = routes.answer('GET', '/api2/json/cluster/resources?type=vm', 0);
    const items = json(answer.body).data as Array<{ id: string; node: string; vmid: number; type: string }>;
    expect(answer.status).toBe(200);
    expect(items).toHaveLength(1_000);
    expect(items[0]).toMatchObject({ id: 'qemu/100', node: 'pve1', vmid: 100, type: 'qemu' });
    expect(items[4]).toMatchObject({ id: 'lxc/104', node: 'pve1', type: 'lxc' });
    expect(new Set(items.map((item) => item.node))).toEqual(new Set(['pve1', 'pve2', 'pve3', 'pve4']));
  });

  it('adds nodes and storages to the unfiltered /cluster/resources', () => {
    const { routes } = table(10);
    const items = json(routes.answer('GET', '/api2/json/cluster/resources', 0).body).data as Array<{
      type: string;
    }>;
    expect(items.filter((item) => item.type === 'node')).toHaveLength(4);
    expect(items.filter((item) => item.type === 'storage')).toHaveLength(4);
    expect(items.filter((item) => item.type === 'qemu' || item.type === 'lxc')).toHaveLength(10);
  });

  it('splits the per-node lists by type, and together they hold every guest once', () => {
    const { routes, fleet } = table(200);
    const all = fleet.nodes.flatMap((node) =>
      ['qemu', 'lxc'].flatMap(
        (type) =>
          json(routes.answer('GET', `/api2/json/nodes/${node}/${type}`, 0).body).data as Array<{
            vmid: number;
          }>,
      ),
    );
    expect(all.map((item) => item.vmid).sort((a, b) => a - b)).toEqual(
      fleet.guests.map((guest) => guest.vmid),
    );
  });

  it("answers a guest's status and config on its own node, and PVE's 500 on another node", () => {
    const { routes } = table();
    const status = routes.answer('GET', '/api2/json/nodes/pve1/qemu/100/status/current', 0);
    expect(status.status).toBe(200);
    expect(json(status.body).data).toMatchObject({ vmid: 100, status: 'running', qmpstatus: 'running' });
    expect(status.body.length).toBeGreaterThan(2_000);
    const config = routes.answer('GET', '/api2/json/nodes/pve1/qemu/100/config', 0);
    expect(json(config.body).data).toMatchObject({ cores: 4, memory: '8192' });
    const pending = routes.answer('GET', '/api2/json/nodes/pve1/qemu/100/pending', 0);
    expect(json(pending.body).data).toEqual(
      expect.arrayContaining([
        { key: 'cores', value: 4 },
        { key: 'memory', value: '8192' },
      ]),
    );
    const wrongNode = routes.answer('GET', '/api2/json/nodes/pve2/qemu/100/status/current', 0);
    expect(wrongNode.status).toBe(500);
    expect(wrongNode.reason).toBe("Configuration file 'nodes/pve2/qemu-server/100.conf' does not exist");
  });

  it('answers unknown paths and methods with 501 like pveproxy', () => {
    const { routes } = table();
    expect(routes.answer('GET', '/api2/json/nodes/pve1/storage', 0)).toMatchObject({
      status: 501,
      reason: "Method 'GET /nodes/pve1/storage' not implemented",
      kind: 'unknown',
    });
    expect(routes.answer('PUT', '/api2/json/nodes/pve1/qemu/100/config', 0).status).toBe(501);
  });

  it('starts a task with a real-looking UPID that runs until its duration has passed', () => {
    const { routes } = table(100, HOUR);
    const started = performance.now();
    const answer = routes.answer('POST', '/api2/json/nodes/pve1/qemu/100/status/start', started);
    const upid = json(answer.body).data as string;
    expect(upid).toMatch(UPID);
    expect(upid).toContain(':qmstart:100:');
    const path = `/api2/json/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`;
    expect(json(routes.answer('GET', path, started).body).data).toMatchObject({ status: 'running', upid });
    const later = routes.answer('GET', path, started + 2 * HOUR);
    expect(json(later.body).data).toMatchObject({
      status: 'stopped',
      exitstatus: 'OK',
      type: 'qmstart',
      id: '100',
    });
  });

  it('gives each start its own UPID and answers an unknown one with "no such task"', () => {
    const { routes } = table();
    const first = json(routes.answer('POST', '/api2/json/nodes/pve1/qemu/100/status/start', 0).body).data;
    const second = json(routes.answer('POST', '/api2/json/nodes/pve1/qemu/100/status/start', 0).body).data;
    expect(first).not.toBe(second);
    const unknown = routes.answer(
      'GET',
      '/api2/json/nodes/pve1/tasks/UPID:pve1:00000001:00000001:00000001:qmstart:1:root@pam:/status',
      0,
    );
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body.toString('utf8'))).toMatchObject({ errors: { upid: 'no such task' } });
  });

  it("lists a guest's running tasks with source=active, and its ended ones by default", () => {
    const { routes } = table(100, HOUR);
    const started = performance.now();
    const upid = json(
      routes.answer('POST', '/api2/json/nodes/pve1/qemu/100/status/start', started).body,
    ).data;
    const list = (query: string, now: number) =>
      json(routes.answer('GET', `/api2/json/nodes/pve1/tasks?${query}`, now).body).data as Array<
        Record<string, unknown>
      >;
    expect(list('source=active&vmid=100&limit=50', started)).toEqual([
      expect.objectContaining({ upid, id: '100', type: 'qmstart', status: 'RUNNING' }),
    ]);
    expect(list('source=active&vmid=101&limit=50', started)).toEqual([]);
    expect(list('vmid=100', started)).toEqual([]);
    expect(list('vmid=100', started + 2 * HOUR)).toEqual([expect.objectContaining({ upid, status: 'OK' })]);
    expect(list('source=active&vmid=100', started + 2 * HOUR)).toEqual([]);
  });

  it('lists running and ended tasks with source=all, since and until on their start, and counts the end as seen', () => {
    const { routes, tasks } = table(100, HOUR);
    const started = performance.now();
    const start = (vmid: number) =>
      json(routes.answer('POST', `/api2/json/nodes/pve1/qemu/${vmid}/status/start`, started).body)
        .data as string;
    const [first, second] = [start(100), start(108)];
    const list = (query: string, now: number) =>
      json(routes.answer('GET', `/api2/json/nodes/pve1/tasks?${query}`, now).body).data as Array<
        Record<string, unknown>
      >;
    const starttime = Number.parseInt(first.split(':')[4] as string, 16);
    expect(list(`source=all&since=${starttime}`, started)).toEqual([
      expect.objectContaining({ upid: first, status: 'RUNNING' }),
      expect.objectContaining({ upid: second, status: 'RUNNING' }),
    ]);
    expect(list(`source=all&since=${starttime}`, started)[0]?.endtime).toBeUndefined();
    expect(tasks.stats().unseen).toBe(2);
    // Ended: newest first, each `OK` with its end time, as a status read's `exitstatus` says.
    const ended = list(`source=all&since=${starttime}&limit=1`, started + 2 * HOUR);
    expect(ended).toEqual([
      expect.objectContaining({ upid: second, status: 'OK', endtime: starttime + 3_600, starttime }),
    ]);
    expect(tasks.stats().unseen).toBe(1);
    expect(list(`source=all&since=${starttime + 1}`, started + 2 * HOUR)).toEqual([]);
    expect(list(`source=all&until=${starttime - 1}`, started + 2 * HOUR)).toEqual([]);
    expect(list('source=all&start=1', started + 2 * HOUR)).toEqual([
      expect.objectContaining({ upid: first }),
    ]);
  });

  it('refuses to start a guest on a node it is not on', () => {
    const { routes, tasks } = table();
    expect(routes.answer('POST', '/api2/json/nodes/pve3/qemu/100/status/start', 0).status).toBe(500);
    expect(tasks.stats().tasks).toBe(0);
  });
});
