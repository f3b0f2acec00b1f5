import diagnosticsChannel from 'node:diagnostics_channel';
import { isHypervisorError, type Operation } from '@hvc/hypervisor-connector';
import { afterEach, describe, expect, it } from 'vitest';
import { rejection } from '../../hypervisor-connector-kit/test/support/rejection.js';
import { PROXMOX_DIAGNOSTICS_CHANNELS } from '../src/index.js';
import { decodeOperationId, encodeOperationId } from '../src/tasks/operation-id.js';
import { type HttpsTestServer, startHttpsTestServer, type TestHandler } from './support/https-test-server.js';
import { connectorOn } from './support/test-server-connector.js';

const RESOURCES = [{ id: 'qemu/100', type: 'qemu', vmid: 100, node: 'pve1', name: 'web', status: 'stopped' }];

/** A scripted task: what its status and log say on each poll. */
interface ScriptedTask {
  /** Polls answered "no such task" first. */
  unknownPolls?: number;
  /** Polls answered "running" before it stops. */
  runningPolls: number;
  exitstatus: string;
  log: string[];
  /** Hold every status answer this long. */
  holdMs?: number;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function pve(task: ScriptedTask): Promise<{ server: HttpsTestServer; deleted: string[] }> {
  let polls = 0;
  let upid = '';
  const deleted: string[] = [];
  const handler: TestHandler = async (request) => {
    const path = decodeURIComponent(request.path.replace(/^\/api2\/json/, '').split('?')[0] ?? '');
    if (path === '/cluster/resources') return [200, { data: RESOURCES }];
    if (request.method === 'GET' && path.endsWith('/tasks')) return [200, { data: [] }];
    if (path.endsWith('/status/current')) return [200, { data: { vmid: 100, status: 'stopped' } }];
    if (request.method === 'POST' && path.endsWith('/status/start')) {
      const start = Math.floor(Date.now() / 1000)
        .toString(16)
        .toUpperCase()
        .padStart(8, '0');
      upid = `UPID:pve1:0000ABCD:00001234:${start}:qmstart:100:root@pam!hvc:`;
      return [200, { data: upid }];
    }
    if (path.endsWith('/status') && path.includes('/tasks/')) {
      if (task.holdMs) await new Promise((resolve) => setTimeout(resolve, task.holdMs));
      polls++;
      if (polls <= (task.unknownPolls ?? 0)) {
        return [400, { data: null, errors: { upid: 'no such task' } }, 'Parameter verification failed.'];
      }
      const running = polls <= (task.unknownPolls ?? 0) + task.runningPolls;
      const status = running ? { status: 'running' } : { status: 'stopped', exitstatus: task.exitstatus };
      return [200, { data: { upid, node: 'pve1', type: 'qmstart', id: '100', user: 'root@pam', ...status } }];
    }
    if (path.endsWith('/log')) {
      return [200, { data: task.log.map((t, i) => ({ n: i + 1, t })), total: task.log.length }];
    }
    if (request.method === 'DELETE' && path.includes('/tasks/')) {
      deleted.push(path);
      task.runningPolls = 0;
      task.exitstatus = 'interrupted by signal';
      return [200, { data: null }];
    }
    return [404, null, 'not found'];
  };
  const server = await startHttpsTestServer(handler);
  cleanups.push(() => server.close());
  return { server, deleted };
}

function connect(server: HttpsTestServer) {
  const connector = connectorOn(server, {
    tasks: { initialIntervalMs: 5, maxIntervalMs: 20, noSuchTaskGraceMs: 10_000 },
  });
  cleanups.push(() => connector.close());
  return connector;
}

describe('task waits', () => {
  it('succeeds on OK, tolerating "no such task" right after creation, and reports progress', async () => {
    const { server } = await pve({ unknownPolls: 2, runningPolls: 3, exitstatus: 'OK', log: ['TASK OK'] });
    const connector = connect(server);
    const started = await connector.startGuest('qemu/100');
    expect(decodeOperationId(started.id)).toMatchObject({ type: 'start', guestId: 'qemu/100' });
    const seen: Operation['status'][] = [];
    const done = await connector.waitForOperation(started.id, { onProgress: (op) => seen.push(op.status) });
    expect(done).toMatchObject({ id: started.id, type: 'start', guestId: 'qemu/100', status: 'succeeded' });
    expect(done.endedAt).toBeDefined();
    expect(seen).toEqual(['running', 'succeeded']);
  });

  it('succeeds with the WARN lines on "WARNINGS: n"', async () => {
    const log = ['starting', 'WARN: storage is 95% full', 'WARN: no agent', 'TASK WARNINGS: 2'];
    const { server } = await pve({ runningPolls: 1, exitstatus: 'WARNINGS: 2', log });
    const connector = connect(server);
    const done = await connector.waitForOperation((await connector.startGuest('qemu/100')).id);
    expect(done.status).toBe('succeeded');
    expect(done.warnings).toEqual(['storage is 95% full', 'no agent']);
  });

  it('fails with OPERATION_FAILED carrying the tail of the task log', async () => {
    const log = [...Array.from({ length: 30 }, (_, i) => `line ${i}`), 'TASK ERROR: VM is locked (backup)'];
    const { server } = await pve({ runningPolls: 1, exitstatus: 'VM is locked (backup)', log });
    const connector = connect(server);
    const { id } = await connector.startGuest('qemu/100');
    const error = await rejection(connector.waitForOperation(id));
    expect(isHypervisorError(error, 'OPERATION_FAILED')).toBe(true);
    // The kit's waiter names the operation before PVE's text, as for every connector.
    expect(error).toMatchObject({
      message: `operation ${id} failed: VM is locked (backup)`,
      operationId: id,
    });
    const tail = (error as { details: { log: string[] } }).details.log;
    expect(tail).toHaveLength(20);
    expect(tail.at(-1)).toBe('TASK ERROR: VM is locked (backup)');
    const final = await connector.waitForOperation(id, { throwOnFailure: false });
    expect(final).toMatchObject({ status: 'failed', error: { code: 'OPERATION_FAILED' } });
  });

  it('stops a wait at the abort, without waiting for the poll in flight', async () => {
    // Every status answer is held 2 s: a wait that let the poll in flight finish would end ≥ 1.6 s after the abort.
    const { server } = await pve({ runningPolls: 1_000, exitstatus: 'OK', log: [], holdMs: 2_000 });
    const connector = connect(server);
    const { id } = await connector.startGuest('qemu/100');
    const controller = new AbortController();
    const wait = rejection(connector.waitForOperation(id, { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const abortedAt = performance.now();
    controller.abort();
    const error = await wait;
    const elapsed = performance.now() - abortedAt;
    expect(isHypervisorError(error, 'CANCELLED')).toBe(true);
    // Far below the held poll's 1.6 s, with room for a loaded machine's event-loop lag.
    expect(elapsed).toBeLessThan(800);
  });

  it('gives up at the deadline with TIMEOUT; the task keeps running', async () => {
    const { server, deleted } = await pve({ runningPolls: 1_000, exitstatus: 'OK', log: [] });
    const connector = connect(server);
    const { id } = await connector.startGuest('qemu/100');
    const events: unknown[] = [];
    const listener = (message: unknown) => events.push(message);
    diagnosticsChannel.subscribe(PROXMOX_DIAGNOSTICS_CHANNELS.taskWait, listener);
    cleanups.push(() => {
      diagnosticsChannel.unsubscribe(PROXMOX_DIAGNOSTICS_CHANNELS.taskWait, listener);
    });
    const error = await rejection(connector.waitForOperation(id, { timeoutMs: 150 }));
    expect(isHypervisorError(error, 'TIMEOUT')).toBe(true);
    expect((error as { operationId: string }).operationId).toBe(id);
    expect(deleted).toEqual([]);
    expect(events.at(-1)).toMatchObject({ event: 'timeout', operationId: id });
    expect((await connector.getOperation(id)).status).toBe('running');
  });

  it('cancels a running task by deleting it', async () => {
    const { server, deleted } = await pve({ runningPolls: 1_000, exitstatus: 'OK', log: [] });
    const connector = connect(server);
    const { id } = await connector.startGuest('qemu/100');
    const cancelled = await connector.cancelOperation(id);
    expect(deleted).toHaveLength(1);
    expect(cancelled.status).toBe('cancelled');
    expect(isHypervisorError(await rejection(connector.waitForOperation(id)), 'CANCELLED')).toBe(true);
    await connector.cancelOperation(id);
    expect(deleted).toHaveLength(1);
  });

  it('answers NOT_FOUND for a task PVE does not know once the grace period is over', async () => {
    const { server } = await pve({ unknownPolls: 1_000, runningPolls: 0, exitstatus: 'OK', log: [] });
    const connector = connect(server);
    const old = 'UPID:pve1:0000ABCD:00001234:5FBE5DD2:qmstart:100:root@pam:';
    const error = await rejection(
      connector.getOperation(encodeOperationId({ type: 'start', guestId: 'qemu/100', upid: old })),
    );
    expect(isHypervisorError(error, 'NOT_FOUND')).toBe(true);
    expect(isHypervisorError(await rejection(connector.getOperation('not-an-id')), 'INVALID_ARGUMENT')).toBe(
      true,
    );
  });
});
