import { isHypervisorError, type Operation } from '@hvc/hypervisor-connector';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeOperationId } from '../src/tasks/operation-id.js';
import { type HttpsTestServer, startHttpsTestServer } from './support/https-test-server.js';
import { connectorOn, TEST_TOKEN_ID } from './support/test-server-connector.js';

const OWNER = TEST_TOKEN_ID;
const hex = (value: number) => value.toString(16).toUpperCase().padStart(8, '0');
const START = Math.floor(Date.now() / 1000);

/** How a scripted node lists a task: as PVE does, not at all, as running a while after its end, or twice. */
type Listing = 'listed' | 'hidden' | 'lagging' | 'twice';

/** A task of the scripted node: its exit status once ended, and its log. */
interface ScriptedTask {
  readonly upid: string;
  readonly vmid: number;
  readonly listing: Listing;
  exit?: string;
  /** When the list shows its end (`lagging`). */
  listedEndAt?: number;
  log: string[];
  /** Status reads that found it ended. */
  statusReadsAfterEnd: number;
  statusReads: number;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function task(index: number, listing: Listing = 'listed'): ScriptedTask {
  const vmid = 100 + index;
  const upid = `UPID:pve1:${hex(0x1000 + index)}:${hex(0x2000 + index)}:${hex(START)}:qmstart:${vmid}:${OWNER}:`;
  return { upid, vmid, listing, log: ['starting'], statusReadsAfterEnd: 0, statusReads: 0 };
}

function end(t: ScriptedTask, exit: string, log: string[] = [], listLagMs = 0): void {
  t.exit = exit;
  t.listedEndAt = performance.now() + listLagMs;
  const last =
    exit === 'OK' ? 'TASK OK' : exit.startsWith('WARNINGS') ? `TASK ${exit}` : `TASK ERROR: ${exit}`;
  t.log = [...t.log, ...log, last];
}

function fields(t: ScriptedTask): Record<string, unknown> {
  return {
    upid: t.upid,
    node: 'pve1',
    pid: 0x1000,
    pstart: 0x2000,
    starttime: START,
    type: 'qmstart',
    id: String(t.vmid),
    user: 'root@pam',
    tokenid: 'hvc',
  };
}

/** A node running `tasks`, answering its task list (`source`, `since`), their status and their logs. */
async function scriptedNode(tasks: readonly ScriptedTask[], options: { failList?: boolean } = {}) {
  const server = await startHttpsTestServer((request) => {
    const url = new URL(request.path, 'https://pve');
    const path = decodeURIComponent(url.pathname.replace(/^\/api2\/json/, ''));
    if (path === '/nodes/pve1/tasks') {
      if (options.failList) return [500, null, 'internal error'];
      const source = url.searchParams.get('source') ?? 'archive';
      const since = Number(url.searchParams.get('since') ?? 0);
      const items = tasks
        .filter((t) => t.listing !== 'hidden' && START >= since)
        .flatMap((t) => {
          const listedEnded = t.exit !== undefined && performance.now() >= (t.listedEndAt ?? 0);
          const running = { ...fields(t), status: 'RUNNING' };
          const ended = { ...fields(t), status: t.exit, endtime: START + 1 };
          if (!listedEnded) return [running];
          return t.listing === 'twice' ? [running, ended] : [ended];
        })
        .filter((item) =>
          source === 'all'
            ? true
            : source === 'active'
              ? item.status === 'RUNNING'
              : item.status !== 'RUNNING',
        );
      return [200, { data: items, total: items.length }];
    }
    const match = /^\/nodes\/pve1\/tasks\/([^/]+)\/(status|log)$/.exec(path);
    const t = tasks.find((candidate) => candidate.upid === match?.[1]);
    if (match && t) {
      if (match[2] === 'log') {
        return [200, { data: t.log.map((line, index) => ({ n: index + 1, t: line })), total: t.log.length }];
      }
      t.statusReads++;
      if (t.exit !== undefined) t.statusReadsAfterEnd++;
      const state = t.exit === undefined ? { status: 'running' } : { status: 'stopped', exitstatus: t.exit };
      return [200, { data: { ...fields(t), ...state } }];
    }
    return [404, null, 'not found'];
  });
  cleanups.push(() => server.close());
  return server;
}

function connect(server: HttpsTestServer) {
  const connector = connectorOn(server, {
    tasks: { initialIntervalMs: 20, backoffFactor: 1.5, maxIntervalMs: 200 },
  });
  cleanups.push(() => connector.close());
  return connector;
}

const operationId = (t: ScriptedTask) =>
  encodeOperationId({ type: 'start', guestId: `qemu/${t.vmid}`, upid: t.upid }, OWNER);

/** Waits for every task (without throwing on failures) and ends them all `afterMs` after the waits began. */
async function waitAll(
  connector: ReturnType<typeof connect>,
  tasks: readonly ScriptedTask[],
  endAll: () => void,
): Promise<Operation[]> {
  const waits = tasks.map((t) => connector.waitForOperation(operationId(t), { throwOnFailure: false }));
  setTimeout(endAll, 250);
  return Promise.all(waits);
}

describe("task waits that learn their tasks' outcomes from the node's task list", () => {
  it('end with the outcome the list shows, and make no status call for a task the list shows ended', async () => {
    const tasks = [task(1), task(2), task(3, 'twice'), task(4)];
    const connector = connect(await scriptedNode(tasks));
    const ended = await waitAll(connector, tasks, () => {
      for (const t of tasks) end(t, 'OK');
    });
    expect(ended.map((operation) => operation.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    // A task listed twice (running, then ended: the list read raced its archiving) counts as ended.
    expect(tasks.map((t) => t.statusReadsAfterEnd)).toEqual([0, 0, 0, 0]);
    expect(ended[0]?.raw).toMatchObject({ status: 'stopped', exitstatus: 'OK', node: 'pve1' });
    expect(ended[0]?.endedAt).toBe(new Date((START + 1) * 1000).toISOString());
  });

  it("give a failed task's error and a task's warnings as a status read gives them", async () => {
    const tasks = [task(1), task(2), task(3)];
    const connector = connect(await scriptedNode(tasks));
    const failure = "unable to find configuration file for VM 102 on node 'pve1'";
    const fromList = await waitAll(connector, tasks, () => {
      end(tasks[0] as ScriptedTask, 'OK');
      end(tasks[1] as ScriptedTask, failure);
      end(tasks[2] as ScriptedTask, 'WARNINGS: 2', ['WARN: disk cache is unsafe', 'WARN: no balloon']);
    });
    expect(tasks.map((t) => t.statusReadsAfterEnd)).toEqual([0, 0, 0]);
    const fromStatus = await Promise.all(tasks.map((t) => connector.getOperation(operationId(t))));
    expect(tasks.map((t) => t.statusReadsAfterEnd)).toEqual([1, 1, 1]);
    for (const [index, operation] of fromList.entries()) {
      const read = fromStatus[index] as Operation;
      expect({ status: operation.status, error: operation.error, warnings: operation.warnings }).toEqual({
        status: read.status,
        error: read.error,
        warnings: read.warnings,
      });
    }
    expect(fromList[1]).toMatchObject({
      status: 'failed',
      error: { code: 'OPERATION_FAILED', message: failure },
    });
    expect(fromList[2]?.warnings).toEqual(['disk cache is unsafe', 'no balloon']);

    // The error a wait throws is the same whether the list or a status read told the outcome.
    const throwing = [task(5), task(6)];
    const second = connect(await scriptedNode(throwing));
    const waits = throwing.map((t) =>
      second.waitForOperation(operationId(t)).catch((error: unknown) => error),
    );
    setTimeout(() => {
      end(throwing[0] as ScriptedTask, failure);
      end(throwing[1] as ScriptedTask, 'OK');
    }, 250);
    const [listedError] = await Promise.all(waits);
    expect(throwing[0]?.statusReadsAfterEnd).toBe(0);
    const readError = await second.waitForOperation(operationId(throwing[0] as ScriptedTask)).catch((e) => e);
    expect(throwing[0]?.statusReadsAfterEnd).toBe(1);
    expect(isHypervisorError(listedError, 'OPERATION_FAILED')).toBe(true);
    expect((listedError as Error).message).toBe((readError as Error).message);
  });

  it('ask a task the list does not show about itself', async () => {
    const tasks = [task(1), task(2), task(3, 'hidden')];
    const connector = connect(await scriptedNode(tasks));
    const ended = await waitAll(connector, tasks, () => {
      for (const t of tasks) end(t, 'OK');
    });
    expect(ended.every((operation) => operation.status === 'succeeded')).toBe(true);
    expect(tasks.map((t) => t.statusReadsAfterEnd)).toEqual([0, 0, 1]);
  });

  it('keep waiting while the list still shows an ended task running, and end once it shows the end', async () => {
    const tasks = [task(1), task(2), task(3)];
    const connector = connect(await scriptedNode(tasks));
    const ended = await waitAll(connector, tasks, () => {
      end(tasks[0] as ScriptedTask, 'OK', [], 300);
      end(tasks[1] as ScriptedTask, 'OK');
      end(tasks[2] as ScriptedTask, 'OK', [], 300);
    });
    expect(ended.every((operation) => operation.status === 'succeeded')).toBe(true);
    // (A node left with a single wait is not read: its poll would ask the task, hence two lagging tasks here.)
    expect(tasks.map((t) => t.statusReadsAfterEnd)).toEqual([0, 0, 0]);
  });

  it('fall back to status reads when the list cannot be read', async () => {
    const tasks = [task(1), task(2), task(3)];
    const connector = connect(await scriptedNode(tasks, { failList: true }));
    const ended = await waitAll(connector, tasks, () => {
      end(tasks[0] as ScriptedTask, 'OK');
      end(tasks[1] as ScriptedTask, 'VM 102 already running');
      end(tasks[2] as ScriptedTask, 'OK');
    });
    expect(ended.map((operation) => operation.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(ended[1]?.error?.message).toBe('VM 102 already running');
    expect(tasks.map((t) => t.statusReadsAfterEnd)).toEqual([1, 1, 1]);
  });
});
