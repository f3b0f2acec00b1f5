import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/exit-codes.js';
import { runHvc } from '../src/run-hvc.js';
import { type DemoInfo, type DemoServer, startDemoServer } from './support/demo-server.js';
import { memoryIo } from './support/memory-io.js';

const TARGET = 'mem-ops';

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

/** The JSON an `-o json` command printed, after it succeeded. */
async function json<T>(token: string, args: string[]): Promise<T> {
  const result = await hvc(token, [...args, '-o', 'json']);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}

interface ListedOperation {
  id: string;
  type: string;
  guestId?: string;
  status: string;
}

beforeAll(async () => {
  server = await startDemoServer();
  demo = server.info;
  const created = await hvc(demo.adminToken, [
    'targets',
    'create',
    TARGET,
    '--kind',
    'memory',
    '--config',
    JSON.stringify({
      guests: [
        { type: 'vm', name: 'a' },
        { type: 'vm', name: 'b' },
      ],
      operationDurationMs: 5,
    }),
  ]);
  expect(created.code, created.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('hvc operations list', { timeout: 60_000 }, () => {
  it('lists a target’s operations newest first, as a table and as the API JSON, filtered', async () => {
    const guests = await json<Array<{ id: string }>>(demo.viewerToken, ['guests', 'list', '-t', TARGET]);
    const [a, b] = guests.map((g) => g.id) as [string, string];
    for (const args of [
      ['guests', 'start', a],
      ['guests', 'start', b],
      ['guests', 'stop', a],
    ]) {
      const done = await hvc(demo.adminToken, [...args, '-t', TARGET]);
      expect(done.code, done.stderr).toBe(0);
    }

    const all = await json<ListedOperation[]>(demo.viewerToken, ['operations', 'list', '-t', TARGET]);
    expect(all.map((o) => [o.type, o.guestId])).toEqual([
      ['stop', a],
      ['start', b],
      ['start', a],
    ]);
    const table = await hvc(demo.viewerToken, ['operations', 'ls', '-t', TARGET, '--limit', '2']);
    expect(table.code, table.stderr).toBe(0);
    const [head, ...rows] = table.stdout.trimEnd().split('\n');
    expect(head).toMatch(/TYPE\s+GUEST\s+STATUS/);
    expect(rows).toHaveLength(2);

    const ofA = await json<ListedOperation[]>(demo.viewerToken, [
      'operations',
      'list',
      '-t',
      TARGET,
      '--guest',
      a,
    ]);
    expect(ofA.map((o) => o.type)).toEqual(['stop', 'start']);
    const starts = await json<ListedOperation[]>(demo.viewerToken, [
      'operations',
      'list',
      '-t',
      TARGET,
      '--type',
      'start',
      '--status',
      'succeeded',
    ]);
    expect(starts.map((o) => o.guestId)).toEqual([b, a]);
    expect(
      await json<ListedOperation[]>(demo.viewerToken, [
        'operations',
        'list',
        '-t',
        TARGET,
        '--status',
        'running',
      ]),
    ).toEqual([]);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    expect(
      await json<ListedOperation[]>(demo.viewerToken, [
        'operations',
        'list',
        '-t',
        TARGET,
        '--since',
        tomorrow,
      ]),
    ).toEqual([]);
  });

  it('refuses bad flags as usage errors and another organisation’s target as not found', async () => {
    for (const flags of [
      ['--status', 'done'],
      ['--since', 'yesterday'],
      ['--limit', '-1'],
    ]) {
      const answer = await hvc(demo.viewerToken, ['operations', 'list', '-t', TARGET, ...flags]);
      expect(answer.code, `${flags.join(' ')}: ${answer.stderr}`).toBe(EXIT.usage);
    }
    const foreign = await hvc(demo.otherOrgToken, ['operations', 'list', '-t', TARGET]);
    expect(foreign.code, foreign.stderr).toBe(EXIT.notFound);
  });
});
