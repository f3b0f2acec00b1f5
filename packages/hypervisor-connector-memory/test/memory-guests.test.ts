import type { Operation } from '@hvc/hypervisor-connector';
import {
  createManualClock,
  createMemoryConnector,
  type MemoryConnectorConfig,
} from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

const DURATION = 100;

function setup(config: MemoryConnectorConfig = {}) {
  const clock = createManualClock();
  const connector = createMemoryConnector({
    clock,
    operationDurationMs: DURATION,
    guests: [
      { type: 'vm', name: 'web-1', node: 'node1', state: 'running', tags: ['web', 'prod'], pool: 'team' },
      { type: 'container', name: 'db-1', node: 'node2', tags: ['db'] },
      { type: 'vm', name: 'golden', template: true, cpus: 4 },
    ],
    ...config,
  });
  /** Lets `operation` run to its end and returns it as it ended. */
  const finish = async (operation: Operation | Promise<Operation>) => {
    const { id } = await operation;
    await clock.advance(DURATION);
    return connector.getOperation(id);
  };
  return { clock, connector, finish };
}

describe('listGuests and getGuest', () => {
  it('filters by every field of the filter', async () => {
    const { connector } = setup();
    const ids = async (filter: Parameters<typeof connector.listGuests>[0]) =>
      (await connector.listGuests(filter)).map((guest) => guest.id);
    expect(await ids(undefined)).toEqual(['vm/100', 'container/101', 'vm/102']);
    expect(await ids({ type: 'container' })).toEqual(['container/101']);
    expect(await ids({ node: 'node2' })).toEqual(['container/101']);
    expect(await ids({ state: 'running' })).toEqual(['vm/100']);
    expect(await ids({ tags: ['web', 'prod'] })).toEqual(['vm/100']);
    expect(await ids({ tags: ['web', 'db'] })).toEqual([]);
    expect(await ids({ namePrefix: 'db' })).toEqual(['container/101']);
    expect(await ids({ pool: 'team' })).toEqual(['vm/100']);
    expect(await ids({ templates: false })).toEqual(['vm/100', 'container/101']);
  });

  it('rejects a bad filter with INVALID_ARGUMENT', async () => {
    const { connector } = setup();
    await expect(connector.listGuests({ node: 'no such node!' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [{ field: 'node' }],
    });
    await expect(connector.listGuests({ colour: 'red' } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('returns the guest, NOT_FOUND for an unknown id and INVALID_ARGUMENT for a malformed one', async () => {
    const { connector } = setup();
    const guest = await connector.getGuest('vm/100');
    expect(guest).toMatchObject({ id: 'vm/100', type: 'vm', name: 'web-1', node: 'node1', state: 'running' });
    expect(guest.usage?.uptimeSeconds).toBe(0);
    expect(guest.raw).toMatchObject({ vmid: 100, digest: expect.stringMatching(/^[0-9a-f]{16}$/) });
    await expect(connector.getGuest('vm/999')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(connector.getGuest('../etc')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('hands out copies: changing them changes nothing inside', async () => {
    const { connector } = setup();
    const guest = (await connector.getGuest('vm/100')) as unknown as {
      name: string;
      tags: string[];
      resources: { cpus: number };
      raw: { config: { cpus: number } };
    };
    guest.name = 'changed';
    guest.tags.push('changed');
    guest.resources.cpus = 64;
    guest.raw.config.cpus = 64;
    const [listed] = (await connector.listGuests()) as unknown as Array<{ tags: string[] }>;
    listed?.tags.push('changed');
    expect(await connector.getGuest('vm/100')).toMatchObject({
      name: 'web-1',
      tags: ['web', 'prod'],
      resources: { cpus: 1 },
      raw: { config: { cpus: 1 } },
    });
  });

  it('reports uptime on the clock for running guests', async () => {
    const { connector, clock } = setup();
    await clock.advance(61_000);
    expect((await connector.getGuest('vm/100')).usage?.uptimeSeconds).toBe(61);
    expect((await connector.getGuest('container/101')).usage).toBeUndefined();
  });
});

describe('createGuest', () => {
  it('lists the guest at once, locked create, and unlocks it when the operation succeeds', async () => {
    const { connector, clock, finish } = setup();
    const operation = await connector.createGuest({ type: 'vm', name: 'api-1', cpus: 2, memoryMiB: 2048 });
    expect(operation).toMatchObject({
      id: 'memory:op:1',
      type: 'create',
      guestId: 'vm/103',
      status: 'running',
      startedAt: new Date(clock.now()).toISOString(),
    });
    const creating = await connector.getGuest('vm/103');
    expect(creating).toMatchObject({ state: 'stopped', lock: 'create', node: 'node1', name: 'api-1' });
    expect((await connector.listGuests()).map((guest) => guest.id)).toContain('vm/103');

    expect(await finish(operation)).toMatchObject({ status: 'succeeded', progress: 1 });
    const created = await connector.getGuest('vm/103');
    expect(created.lock).toBeUndefined();
    expect(created).toMatchObject({
      state: 'stopped',
      resources: { cpus: 2, memoryBytes: 2048 * 1024 * 1024 },
    });
  });

  it('starts the guest as part of the operation with start: true, on the node asked for', async () => {
    const { connector, finish } = setup();
    await finish(connector.createGuest({ type: 'vm', name: 'api-1', node: 'node2', start: true }));
    expect(await connector.getGuest('vm/103')).toMatchObject({ state: 'running', node: 'node2' });
  });

  it('never keeps a container root password', async () => {
    const { connector, finish } = setup();
    const op = await finish(
      connector.createGuest({
        type: 'container',
        name: 'ct-1',
        osTemplate: 'local:vztmpl/debian-12.tar.zst',
        password: 'hunter2-secret',
      }),
    );
    const guest = await connector.getGuest(op.guestId!);
    expect(JSON.stringify(guest)).not.toContain('hunter2-secret');
    expect(JSON.stringify(op)).not.toContain('hunter2-secret');
  });

  it('removes the guest when the operation fails or is cancelled', async () => {
    const { connector, finish } = setup({
      failOperations: ({ type }) => (type === 'create' ? 'disk full' : undefined),
    });
    const failed = await finish(connector.createGuest({ type: 'vm', name: 'x' }));
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'OPERATION_FAILED', message: 'disk full' },
    });
    await expect(connector.getGuest(failed.guestId!)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const { connector: other } = setup();
    const running = await other.createGuest({ type: 'vm', name: 'y' });
    await other.cancelOperation(running.id);
    await expect(other.getGuest(running.guestId!)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('takes the options of other connector kinds a spec carries, as they are theirs', async () => {
    const { connector, finish } = setup();
    const created = await finish(
      connector.createGuest({
        type: 'vm',
        name: 'multi',
        providerOptions: { proxmox: { ballon: 512 }, libvirt: { machine: 'q35' }, memory: {} },
      }),
    );
    expect(created.status).toBe('succeeded');
  });

  it('rejects bad specs, unknown nodes and missing capabilities without changing anything', async () => {
    const { connector } = setup();
    await expect(connector.createGuest({ type: 'vm', name: 'bad name' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [{ field: 'name' }],
    });
    await expect(connector.createGuest({ type: 'vm', name: 'x', node: 'node9' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      connector.createGuest({ type: 'vm', name: 'x', providerOptions: { memory: { fast: true } } }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [{ field: 'providerOptions.memory.fast' }],
    });
    await expect(
      connector.updateGuest('vm/100', { name: 'y', providerOptions: { memory: { colour: 'red' } } }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'invalid guest patch: providerOptions.memory.colour: unknown field',
    });
    const noCreate = createMemoryConnector({ capabilities: { create: false } });
    await expect(noCreate.createGuest({ type: 'vm', name: 'x' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'create',
    });
    const vmsOnly = createMemoryConnector({ capabilities: { guestTypes: ['vm'] } });
    await expect(
      vmsOnly.createGuest({ type: 'container', name: 'x', osTemplate: 'local:vztmpl/a.tar' }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED', capability: 'guestTypes.container' });
    expect(await connector.listGuests()).toHaveLength(3);
    expect(connector.state.operations()).toEqual([]);
  });
});

describe('updateGuest', () => {
  it('changes the configuration at once and returns no operation', async () => {
    const { connector } = setup();
    const result = await connector.updateGuest('vm/100', { cpus: 4, name: 'web-one', tags: ['x'] });
    expect(result).toBeUndefined();
    expect(await connector.getGuest('vm/100')).toMatchObject({
      name: 'web-one',
      tags: ['x'],
      resources: { cpus: 4 },
    });
  });

  it('exposes a digest that changes with the configuration and checks ifMatch against it', async () => {
    const { connector } = setup();
    const digest = (await connector.getGuest('vm/100')).raw.digest as string;
    await connector.updateGuest('vm/100', { memoryMiB: 1024, ifMatch: digest });
    const next = (await connector.getGuest('vm/100')).raw.digest as string;
    expect(next).not.toBe(digest);

    const stale = connector.updateGuest('vm/100', { memoryMiB: 4096, ifMatch: digest });
    await expect(stale).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: false,
      details: { reason: 'digest' },
    });
    expect((await connector.getGuest('vm/100')).resources.memoryBytes).toBe(1024 * 1024 * 1024);
  });

  it('refuses a locked guest with a retryable CONFLICT', async () => {
    const { connector } = setup();
    await connector.stopGuest('vm/100');
    await expect(connector.updateGuest('vm/100', { cpus: 2 })).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: true,
      details: { reason: 'locked', lock: 'stop' },
    });
  });

  it('rejects empty and bad patches, unknown guests and a missing capability', async () => {
    const { connector } = setup();
    await expect(connector.updateGuest('vm/100', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(connector.updateGuest('vm/100', { cpus: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [{ field: 'cpus' }],
    });
    await expect(connector.updateGuest('vm/404', { cpus: 2 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const readOnly = createMemoryConnector({
      guests: [{ type: 'vm', name: 'a' }],
      capabilities: { update: false },
    });
    await expect(readOnly.updateGuest('vm/100', { cpus: 2 })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect((await connector.getGuest('vm/100')).resources.cpus).toBe(1);
  });
});

describe('deleteGuest', () => {
  it('deletes a stopped guest: locked delete while it runs, NOT_FOUND afterwards', async () => {
    const { connector, finish } = setup();
    const operation = await connector.deleteGuest('container/101');
    expect(operation).toMatchObject({ type: 'delete', guestId: 'container/101' });
    expect((await connector.getGuest('container/101')).lock).toBe('delete');
    expect(await finish(operation)).toMatchObject({ status: 'succeeded' });
    await expect(connector.getGuest('container/101')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(connector.deleteGuest('container/101')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a running guest with CONFLICT', async () => {
    const { connector } = setup();
    await expect(connector.deleteGuest('vm/100')).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: false,
      message: 'cannot delete guest vm/100: it is running (delete needs a stopped guest)',
    });
    expect((await connector.getGuest('vm/100')).state).toBe('running');
  });

  it('keeps the guest when the delete is cancelled', async () => {
    const { connector } = setup();
    const operation = await connector.deleteGuest('container/101');
    expect(await connector.cancelOperation(operation.id)).toMatchObject({ status: 'cancelled' });
    const guest = await connector.getGuest('container/101');
    expect(guest.lock).toBeUndefined();
  });
});

describe('cloneGuest', () => {
  it('makes a full clone: the source is locked clone and the new guest create while it runs', async () => {
    const { connector, finish } = setup();
    const operation = await connector.cloneGuest('container/101', { name: 'db-2', targetNode: 'node1' });
    expect(operation).toMatchObject({ type: 'clone', guestId: 'container/103' });
    expect((await connector.getGuest('container/101')).lock).toBe('clone');
    expect((await connector.getGuest('container/103')).lock).toBe('create');
    await expect(connector.startGuest('container/101')).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: true,
    });

    expect(await finish(operation)).toMatchObject({ status: 'succeeded' });
    expect((await connector.getGuest('container/101')).lock).toBeUndefined();
    expect(await connector.getGuest('container/103')).toMatchObject({
      name: 'db-2',
      node: 'node1',
      state: 'stopped',
      template: false,
      tags: ['db'],
    });
  });

  it('derives the name from the source and defaults to its node', async () => {
    const { connector, finish } = setup();
    const op = await finish(connector.cloneGuest('vm/100'));
    expect(await connector.getGuest(op.guestId!)).toMatchObject({ name: 'web-1-clone', node: 'node1' });
  });

  it('makes linked clones from templates only (CONFLICT otherwise) and keeps a used template', async () => {
    const { connector, finish } = setup();
    await expect(connector.cloneGuest('vm/100', { mode: 'linked' })).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: false,
      details: { reason: 'template' },
    });
    const op = await finish(connector.cloneGuest('vm/102', { mode: 'linked', name: 'from-golden' }));
    const clone = await connector.getGuest(op.guestId!);
    expect(clone).toMatchObject({
      name: 'from-golden',
      resources: { cpus: 4 },
      raw: { linkedFrom: 'vm/102' },
    });
    await expect(connector.deleteGuest('vm/102')).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'linked-clones' },
    });
    await finish(connector.deleteGuest(op.guestId!));
    expect(await finish(connector.deleteGuest('vm/102'))).toMatchObject({ status: 'succeeded' });
  });

  it('clones from a snapshot, and NOT_FOUND for an unknown snapshot, source or node', async () => {
    const { connector, finish } = setup();
    await finish(connector.createSnapshot('container/101', { name: 'small' }));
    await connector.updateGuest('container/101', { cpus: 8 });
    const op = await finish(connector.cloneGuest('container/101', { snapshot: 'small' }));
    expect((await connector.getGuest(op.guestId!)).resources.cpus).toBe(1);
    await expect(connector.cloneGuest('container/101', { snapshot: 'nope' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(connector.cloneGuest('vm/404')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(connector.cloneGuest('vm/100', { targetNode: 'node9' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('removes the clone when the operation fails, and honours the clone capabilities', async () => {
    const { connector, finish } = setup({
      failOperations: ({ type }) => (type === 'clone' ? 'copy failed' : undefined),
    });
    const failed = await finish(connector.cloneGuest('vm/100'));
    expect(failed.status).toBe('failed');
    await expect(connector.getGuest(failed.guestId!)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await connector.getGuest('vm/100')).lock).toBeUndefined();

    const { connector: limited } = setup({ capabilities: { clone: { full: true, linked: false } } });
    await expect(limited.cloneGuest('vm/102', { mode: 'linked' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'clone.linked',
    });
    await expect(limited.cloneGuest('vm/100', { mode: 'deep' } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
