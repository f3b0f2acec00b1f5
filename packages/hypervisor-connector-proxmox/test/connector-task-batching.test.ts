import { isHypervisorError, type Operation } from '@hvc/hypervisor-connector';
import { createPveFake, type PveFake } from '@hvc/pve-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { createProxmoxConnector } from '../src/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const GUESTS = 20;

async function fleetOnOneNode(taskDurationMs: number) {
  const guests = Array.from({ length: GUESTS }, (_, i) => ({
    type: 'qemu' as const,
    vmid: 300 + i,
    name: `wait-${i}`,
    node: 'pve1',
  }));
  const fake = createPveFake({ nodes: 1, guests, taskDurationMs });
  const server = await fake.listen();
  cleanups.push(() => fake.close());
  const connector = createProxmoxConnector({
    endpoints: [server.url],
    credentials: { tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
    tls: { fingerprint: server.fingerprint },
    tasks: { initialIntervalMs: 20, backoffFactor: 1.5, maxIntervalMs: 200 },
  });
  cleanups.push(() => connector.close());
  await connector.listGuests();
  return { fake, connector, ids: guests.map((guest) => `qemu/${guest.vmid}`) };
}

const statusPolls = (fake: PveFake, upid = '[^/]+') =>
  fake.requests.filter(
    (r) =>
      r.method === 'GET' && new RegExp(`^/nodes/pve1/tasks/${upid}/status`).test(decodeURIComponent(r.path)),
  ).length;
const listReads = (fake: PveFake) =>
  fake.requests.filter((r) => r.method === 'GET' && r.path === '/nodes/pve1/tasks').length;
// The UPID up to its start time (pid and pstart make it unique): what the connector shows in place of its own user.
const upidOf = (operation: Operation) =>
  `${String((operation.raw as { upid: string }).upid)
    .split(':')
    .slice(0, 5)
    .join(':')}:[^/]+`;

describe('concurrent task waits on one node', () => {
  it("learn from shared reads of the node's task list how their tasks ended, with no status call each", async () => {
    const { fake, connector, ids } = await fleetOnOneNode(2_000);
    const polls = statusPolls(fake);
    const operations = await Promise.all(ids.map((id) => connector.startGuest(id)));
    // Reads of the node's task list from here on are the waits' (the starts read it for their preconditions).
    const lists = listReads(fake);
    const ended = await Promise.all(operations.map((operation) => connector.waitForOperation(operation.id)));
    expect(ended.every((operation) => operation.status === 'succeeded')).toBe(true);
    expect(ended.every((operation) => (operation.raw as { exitstatus?: string }).exitstatus === 'OK')).toBe(
      true,
    );
    const guests = await Promise.all(ids.map((id) => connector.getGuest(id)));
    expect(guests.every((guest) => guest.state === 'running')).toBe(true);
    // Polling each task on the schedule takes about 12 status calls for a task of 2 s, and learning of the end from
    // a read of the active tasks one more per wait. The list's exit statuses leave at most two: the first wait's
    // first poll (made before a second wait joins), and a poll of the last wait left on the node, if its task's end
    // did not show in the same read as the others' (a single wait asks its task).
    expect(statusPolls(fake) - polls).toBeLessThanOrEqual(2);
    expect(listReads(fake) - lists).toBeGreaterThan(0);
  });

  it("report a failed task's error and a task's warnings from the list as a status read gives them", async () => {
    const { fake, connector, ids } = await fleetOnOneNode(300);
    fake.failNextTask({ vmid: 305, message: 'no disk space left' });
    fake.failNextTask({ vmid: 306, warnings: ['disk cache is unsafe'] });
    const operations = await Promise.all(ids.map((id) => connector.startGuest(id)));
    const outcomes = await Promise.allSettled(
      operations.map((operation) => connector.waitForOperation(operation.id)),
    );
    const failed = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(failed).toHaveLength(1);
    expect(isHypervisorError(failed[0], 'OPERATION_FAILED')).toBe(true);
    expect(String((failed[0] as Error).message)).toMatch(/no disk space left/);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(GUESTS - 1);
    const [failing, warned] = [operations[5], operations[6]] as [Operation, Operation];
    expect(outcomes[6]).toMatchObject({ status: 'fulfilled', value: { warnings: ['disk cache is unsafe'] } });
    // The list told how they ended; at most one of them (the last wait left on the node) asked its task itself.
    const asked = statusPolls(fake, upidOf(failing));
    expect(asked + statusPolls(fake, upidOf(warned))).toBeLessThanOrEqual(1);
    const read = await connector.getOperation(failing.id);
    expect(statusPolls(fake, upidOf(failing))).toBe(asked + 1);
    const listed = await connector.waitForOperation(failing.id, { throwOnFailure: false });
    expect(read.error).toEqual({ code: 'OPERATION_FAILED', message: 'no disk space left' });
    expect(listed.error).toEqual(read.error);
    expect((await connector.getOperation(warned.id)).warnings).toEqual(['disk cache is unsafe']);
  });

  it('fall back to status reads when the list cannot be read', async () => {
    const { fake, connector, ids } = await fleetOnOneNode(300);
    const operations = await Promise.all(ids.map((id) => connector.startGuest(id)));
    fake.faults.add({ method: 'GET', path: '/nodes/pve1/tasks', status: 500 });
    const polls = statusPolls(fake);
    const ended = await Promise.all(operations.map((operation) => connector.waitForOperation(operation.id)));
    expect(ended.every((operation) => operation.status === 'succeeded')).toBe(true);
    expect(statusPolls(fake) - polls).toBeGreaterThanOrEqual(GUESTS);
  });
});
