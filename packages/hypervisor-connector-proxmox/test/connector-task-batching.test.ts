import { isHypervisorError } from '@hvc/hypervisor-connector';
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

const statusPolls = (fake: PveFake) =>
  fake.requests.filter((r) => r.method === 'GET' && /^\/nodes\/pve1\/tasks\/[^/]+\/status/.test(r.path))
    .length;
const activeListReads = (fake: PveFake) =>
  fake.requests.filter((r) => r.method === 'GET' && r.path === '/nodes/pve1/tasks').length;

describe('concurrent task waits on one node', () => {
  it('learn from shared reads of the active tasks and ask each task once it has left the list', async () => {
    const { fake, connector, ids } = await fleetOnOneNode(2_000);
    const polls = statusPolls(fake);
    const operations = await Promise.all(ids.map((id) => connector.startGuest(id)));
    // Reads of the node's task list from here on are the waits' (the starts read it for their preconditions).
    const lists = activeListReads(fake);
    const ended = await Promise.all(operations.map((operation) => connector.waitForOperation(operation.id)));
    expect(ended.every((operation) => operation.status === 'succeeded')).toBe(true);
    const guests = await Promise.all(ids.map((id) => connector.getGuest(id)));
    expect(guests.every((guest) => guest.state === 'running')).toBe(true);
    // Polling each task on the schedule takes about 12 status calls for a task of 2 s; the shared reads leave
    // about one per wait (two for the first wait, which polls before a second one joins).
    const waitPolls = statusPolls(fake) - polls;
    expect(waitPolls).toBeLessThanOrEqual(2 * GUESTS);
    expect(activeListReads(fake) - lists).toBeGreaterThan(0);
  });

  it("still report a failed task's failure: the list never decides an outcome", async () => {
    const { fake, connector, ids } = await fleetOnOneNode(300);
    fake.failNextTask({ message: 'no disk space left' });
    const operations = await Promise.all(ids.map((id) => connector.startGuest(id)));
    const outcomes = await Promise.allSettled(
      operations.map((operation) => connector.waitForOperation(operation.id)),
    );
    const failed = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(failed).toHaveLength(1);
    expect(isHypervisorError(failed[0], 'OPERATION_FAILED')).toBe(true);
    expect(String((failed[0] as Error).message)).toMatch(/no disk space left/);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(GUESTS - 1);
  });
});
