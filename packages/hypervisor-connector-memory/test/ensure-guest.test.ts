import type { GuestSpecInput } from '@hvc/hypervisor-connector';
import { ensureGuest } from '@hvc/hypervisor-connector-kit';
import { createMemoryConnector } from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

/** A memory connector whose operations end after a millisecond, on the real clock. */
function setup() {
  return createMemoryConnector({
    operationDurationMs: 1,
    guests: [
      { type: 'vm', name: 'twin', node: 'node1' },
      { type: 'vm', name: 'twin', node: 'node2' },
      { type: 'vm', name: 'web-1', template: true },
    ],
  });
}

describe('ensureGuest over a connector', () => {
  it('creates a guest that is absent, and then finds nothing to do', async () => {
    const connector = setup();
    const spec: GuestSpecInput = { type: 'vm', name: 'web-1', cpus: 2, memoryMiB: 1024, tags: ['web'] };
    const first = await ensureGuest(connector, spec);
    expect(first).toMatchObject({ created: true, changes: [] });
    expect(first.operations.map((o) => [o.type, o.status])).toEqual([['create', 'succeeded']]);
    // A template of the same name is not the guest.
    expect((await connector.getGuest(first.guestId)).template).toBe(false);
    const again = await ensureGuest(connector, spec);
    expect(again).toMatchObject({ guestId: first.guestId, created: false, changes: [], operations: [] });
  });

  it('changes what differs, says what it did, and starts the guest when asked', async () => {
    const connector = setup();
    const { guestId } = await ensureGuest(connector, { type: 'vm', name: 'app', cpus: 1, memoryMiB: 512 });
    const result = await ensureGuest(connector, {
      type: 'vm',
      name: 'app',
      cpus: 4,
      memoryMiB: 2048,
      tags: ['b', 'a'],
      start: true,
    });
    expect(result.changes).toEqual([
      { field: 'cpus', from: 1, to: 4, applied: 'now' },
      { field: 'memoryMiB', from: 512, to: 2048, applied: 'now' },
      { field: 'tags', from: [], to: ['a', 'b'], applied: 'now' },
      { field: 'state', from: 'stopped', to: 'running', applied: 'now' },
    ]);
    expect(await connector.getGuest(guestId)).toMatchObject({
      state: 'running',
      tags: ['a', 'b'],
      resources: { cpus: 4, memoryBytes: 2048 * 1024 * 1024 },
    });
    // Running now: a further CPU change is written for the next start.
    const later = await ensureGuest(connector, {
      type: 'vm',
      name: 'app',
      cpus: 2,
      memoryMiB: 2048,
      tags: ['a', 'b'],
    });
    expect(later.changes).toEqual([{ field: 'cpus', from: 4, to: 2, applied: 'on-restart' }]);
  });

  it('refuses a name two guests share, changing nothing', async () => {
    const connector = setup();
    const error = await ensureGuest(connector, { type: 'vm', name: 'twin', cpus: 8 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'CONFLICT',
      retryable: false,
      details: { reason: 'AMBIGUOUS_NAME', guestIds: ['vm/100', 'vm/101'] },
    });
    expect((await connector.listGuests({ namePrefix: 'twin' })).map((g) => g.resources.cpus)).toEqual([1, 1]);
  });

  it('repeats no step when retried with the same idempotency key', async () => {
    const connector = setup();
    const spec: GuestSpecInput = { type: 'vm', name: 'once', start: true };
    const [a, b] = await Promise.all([
      ensureGuest(connector, spec, { idempotencyKey: 'ensure-1' }),
      ensureGuest(connector, spec, { idempotencyKey: 'ensure-1' }),
    ]);
    expect(b.guestId).toBe(a.guestId);
    expect((await connector.listGuests({ namePrefix: 'once' })).length).toBe(1);
  });
});
