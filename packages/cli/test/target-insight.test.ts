import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHvc } from '../src/run-hvc.js';
import { type DemoInfo, type DemoServer, startDemoServer } from './support/demo-server.js';
import { hvc as hvcProcess } from './support/hvc-process.js';
import { memoryIo } from './support/memory-io.js';

let server: DemoServer | undefined;
let demo: DemoInfo;

/** `hvc --server URL <args>` in this process, with `token` as HVC_TOKEN and no configuration. */
async function hvc(token: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, stdout, stderr } = memoryIo({
    HOME: '/nonexistent',
    HVC_CONFIG_DIR: '/nonexistent/hvc',
    HVC_KEYCHAIN: 'off',
    HVC_TOKEN: token,
  });
  const code = await runHvc(['--server', demo.url, ...args], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

beforeAll(async () => {
  server = await startDemoServer();
  demo = server.info;
}, 60_000);

afterAll(() => server?.stop());

describe('hvc targets describe, nodes list and guests metrics', { timeout: 60_000 }, () => {
  it('describes a target as a table and as the API JSON', async () => {
    const table = await hvc(demo.viewerToken, ['targets', 'describe', demo.targetId]);
    expect(table.code, table.stderr).toBe(0);
    const [head, row, blank, capabilityHead, ...capabilities] = table.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^TARGET\s+KIND\s+VERSION\s+CLUSTER\s+NODES$/);
    expect(row).toMatch(new RegExp(`^${demo.targetId}\\s+proxmox\\s+\\d+\\.\\d+`));
    expect(blank).toBe('');
    expect(capabilityHead).toMatch(/^CAPABILITY\s+OFFERED\s+NOTE$/);
    expect(capabilities.map((line) => line.split(/\s+/, 1)[0])).toEqual([
      'guestTypes',
      'create',
      'update',
      'clone.full',
      'clone.linked',
      'snapshots',
      'memorySnapshots',
      'migration.offline',
      'migration.live',
      'suspend',
      'reset',
      'console',
      'metrics',
      'cancelOperation',
    ]);
    expect(capabilities[0]).toMatch(/^guestTypes\s+vm,container\s+-$/);
    // Proxmox containers have no hard reset: the note says so for that guest type.
    expect(capabilities.find((line) => line.startsWith('reset '))).toMatch(/^reset\s+yes\s+container: /);

    const json = await hvc(demo.viewerToken, ['targets', 'describe', demo.targetId, '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const info = JSON.parse(json.stdout) as {
      targetId: string;
      kind: string;
      nodes: Array<{ name: string; status: string }>;
      capabilities: { guestTypes: string[]; console: string[]; metrics: boolean };
    };
    expect(info).toMatchObject({
      targetId: demo.targetId,
      kind: 'proxmox',
      capabilities: { guestTypes: ['GUEST_TYPE_VM', 'GUEST_TYPE_CONTAINER'], metrics: true },
    });
    expect(info.nodes).toHaveLength(2);
  });

  it('lists nodes as a table and as JSON, and needs --target', async () => {
    const table = await hvc(demo.viewerToken, ['nodes', 'list', '-t', demo.targetId]);
    expect(table.code, table.stderr).toBe(0);
    const [head, ...rows] = table.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^NAME\s+STATUS\s+CPUS\s+CPU\s+MEMORY\s+MEMORY USED$/);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/^\S+\s+online\s+\d+\s+\d+%\s+\d/);
    const wide = await hvc(demo.viewerToken, ['nodes', 'ls', '-t', demo.targetId, '-o', 'wide']);
    expect(wide.stdout.split('\n', 1)[0]).toMatch(/\sUPTIME$/);
    const json = await hvc(demo.viewerToken, ['nodes', 'list', '-t', demo.targetId, '-o', 'json']);
    const nodes = JSON.parse(json.stdout) as Array<{ name: string; status: string; cpus: number }>;
    expect(nodes.map((n) => n.status)).toEqual(['HOST_NODE_STATUS_ONLINE', 'HOST_NODE_STATUS_ONLINE']);
    expect(nodes.map((n) => n.name)).toEqual(rows.map((row) => row.split(/\s+/, 1)[0]));
    const missing = await hvc(demo.viewerToken, ['nodes', 'list']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '-t, --target <id>' not specified");
  });

  it("prints a guest's metrics as a table of points and as the API JSON series", async () => {
    const table = await hvc(demo.viewerToken, ['guests', 'metrics', demo.guestId, '-t', demo.targetId]);
    expect(table.code, table.stderr).toBe(0);
    const [head, ...rows] = table.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^TIME\s+CPU\s+MEMORY\s+NET IN\s+NET OUT$/);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\s/);
    const json = await hvc(demo.viewerToken, [
      'guests',
      'metrics',
      demo.guestId,
      '-t',
      demo.targetId,
      '--timeframe',
      'day',
      '-o',
      'json',
    ]);
    expect(json.code, json.stderr).toBe(0);
    const series = JSON.parse(json.stdout) as {
      targetId: string;
      guestId: string;
      timeframe: string;
      resolutionSeconds: number;
      points: Array<{ time: string }>;
    };
    expect(series).toMatchObject({
      targetId: demo.targetId,
      guestId: demo.guestId,
      timeframe: 'METRIC_TIMEFRAME_DAY',
    });
    expect(series.resolutionSeconds).toBeGreaterThan(0);
    expect(series.points.length).toBeGreaterThan(0);
    const bad = await hvc(demo.viewerToken, [
      'guests',
      'metrics',
      demo.guestId,
      '-t',
      demo.targetId,
      '--timeframe',
      'decade',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Allowed choices are hour, day, week, month, year.');
  });

  it("exits 6 for another organisation's target and 4 for a refused token", async () => {
    for (const args of [
      ['targets', 'describe', demo.targetId],
      ['nodes', 'list', '-t', demo.targetId],
      ['guests', 'metrics', demo.guestId, '-t', demo.targetId],
    ]) {
      const other = await hvc(demo.otherOrgToken, args);
      expect([args[0], other.code, other.stdout]).toEqual([args[0], 6, '']);
      expect(other.stderr).toContain(`target ${demo.targetId} not found [not_found]`);
      const refused = await hvc('not-a-token', args);
      expect([args[0], refused.code]).toEqual([args[0], 4]);
    }
  });

  it('completes the new nouns, verbs and the timeframe choices', async () => {
    const env = { HOME: '/nonexistent', HVC_CONFIG_DIR: '/nonexistent/hvc' };
    const nouns = await hvcProcess(['complete', '--', 'no'], env);
    expect(nouns.stdout).toContain('nodes\tthe host nodes of a target\n');
    const verbs = await hvcProcess(['complete', '--', 'targets', 'de'], env);
    expect(verbs.stdout.split('\n').map((line) => line.split('\t')[0])).toEqual([
      'describe',
      'delete',
      ':4',
      '',
    ]);
    const choices = await hvcProcess(
      ['complete', '--', 'guests', 'metrics', 'qemu/100', '--timeframe', ''],
      env,
    );
    expect(choices.stdout.split('\n').map((line) => line.split('\t')[0])).toEqual([
      'hour',
      'day',
      'week',
      'month',
      'year',
      ':4',
      '',
    ]);
  });
});
