import type { Operation } from '@hvc/hypervisor-connector';
import {
  createManualClock,
  createMemoryConnector,
  type MemoryConnectorConfig,
} from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';

const DURATION = 40;

function setup(config: MemoryConnectorConfig = {}) {
  const clock = createManualClock();
  const connector = createMemoryConnector({
    clock,
    operationDurationMs: DURATION,
    guests: [
      { type: 'vm', name: 'vm-1', state: 'running', cpus: 2 },
      { type: 'container', name: 'ct-1', state: 'running' },
      { type: 'vm', name: 'tpl', template: true },
    ],
    ...config,
  });
  const finish = async (operation: Promise<Operation>) => {
    const { id } = await operation;
    await clock.advance(DURATION);
    return connector.getOperation(id);
  };
  return { clock, connector, finish };
}

describe('snapshots', () => {
  it('creates, lists (oldest first, with parents), rolls back and deletes', async () => {
    const { connector, clock, finish } = setup();
    const taken = clock.now();
    const first = connector.createSnapshot('vm/100', { name: 'base', description: 'clean install' });
    expect((await connector.getGuest('vm/100')).lock).toBe('snapshot');
    expect(await connector.listSnapshots('vm/100')).toEqual([]);
    expect(await finish(first)).toMatchObject({ type: 'snapshot.create', status: 'succeeded' });

    await connector.updateGuest('vm/100', { cpus: 8, name: 'vm-big' });
    await finish(connector.createSnapshot('vm/100', { name: 'big' }));
    const snapshots = await connector.listSnapshots('vm/100');
    expect(snapshots.map((s) => [s.name, s.parent, s.includesMemory])).toEqual([
      ['base', undefined, false],
      ['big', 'base', false],
    ]);
    expect(snapshots[0]).toMatchObject({
      description: 'clean install',
      createdAt: new Date(taken).toISOString(),
    });

    // Rollback restores the configuration the snapshot captured; without memory the guest ends stopped.
    const rollback = connector.rollbackSnapshot('vm/100', 'base');
    expect((await connector.getGuest('vm/100')).lock).toBe('rollback');
    expect(await finish(rollback)).toMatchObject({ type: 'snapshot.rollback', status: 'succeeded' });
    expect(await connector.getGuest('vm/100')).toMatchObject({
      name: 'vm-1',
      resources: { cpus: 2 },
      state: 'stopped',
    });

    // A snapshot taken now descends from the one rolled back to.
    await finish(connector.createSnapshot('vm/100', { name: 'again' }));
    expect((await connector.listSnapshots('vm/100')).find((s) => s.name === 'again')?.parent).toBe('base');

    // Deleting a snapshot hands its children to its parent.
    expect(await finish(connector.deleteSnapshot('vm/100', 'base'))).toMatchObject({
      type: 'snapshot.delete',
      status: 'succeeded',
    });
    expect((await connector.listSnapshots('vm/100')).map((s) => [s.name, s.parent])).toEqual([
      ['big', undefined],
      ['again', undefined],
    ]);
  });

  it('keeps a memory snapshot running after a rollback', async () => {
    const { connector, finish } = setup();
    await finish(connector.createSnapshot('vm/100', { name: 'live', includeMemory: true }));
    expect((await connector.listSnapshots('vm/100'))[0]?.includesMemory).toBe(true);
    await finish(connector.stopGuest('vm/100'));
    await finish(connector.rollbackSnapshot('vm/100', 'live'));
    expect((await connector.getGuest('vm/100')).state).toBe('running');
  });

  it('refuses memory snapshots of containers, stopped guests and without the capability', async () => {
    const { connector, finish } = setup();
    await expect(
      connector.createSnapshot('container/101', { name: 's', includeMemory: true }),
    ).rejects.toMatchObject({
      // Declared in capabilities.unsupportedByGuestType, as on every connector.
      code: 'UNSUPPORTED',
      capability: 'memorySnapshots',
      message: 'unsupported: memorySnapshots (containers have no memory state to save)',
    });
    await finish(connector.stopGuest('vm/100'));
    await expect(
      connector.createSnapshot('vm/100', { name: 's', includeMemory: true }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: false,
    });
    const { connector: plain } = setup({ capabilities: { memorySnapshots: false } });
    await expect(plain.createSnapshot('vm/100', { name: 's', includeMemory: true })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'memorySnapshots',
    });
  });

  it('ALREADY_EXISTS for a name in use, NOT_FOUND for an unknown snapshot, CONFLICT for templates', async () => {
    const { connector, finish } = setup();
    await finish(connector.createSnapshot('vm/100', { name: 'base' }));
    await expect(connector.createSnapshot('vm/100', { name: 'base' })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    await expect(connector.rollbackSnapshot('vm/100', 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(connector.deleteSnapshot('vm/100', 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(connector.listSnapshots('vm/404')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(connector.createSnapshot('vm/102', { name: 'x' })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'template' },
    });
    expect((await connector.listSnapshots('vm/100')).map((s) => s.name)).toEqual(['base']);
  });

  it('validates names and specs', async () => {
    const { connector } = setup();
    await expect(connector.createSnapshot('vm/100', { name: 'current' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [{ field: 'name' }],
    });
    await expect(connector.createSnapshot('vm/100', { name: '1st' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(connector.rollbackSnapshot('vm/100', 'bad name')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('does not add the snapshot when its operation fails or is cancelled, and locks the guest meanwhile', async () => {
    const { connector, finish } = setup({
      failOperations: ({ type }) => (type === 'snapshot.create' ? 'no space' : undefined),
    });
    expect(await finish(connector.createSnapshot('vm/100', { name: 'a' }))).toMatchObject({
      status: 'failed',
    });
    expect(await connector.listSnapshots('vm/100')).toEqual([]);

    const { connector: other } = setup();
    const running = await other.createSnapshot('vm/100', { name: 'b' });
    await expect(other.createSnapshot('vm/100', { name: 'c' })).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: true,
    });
    await other.cancelOperation(running.id);
    expect(await other.listSnapshots('vm/100')).toEqual([]);
    expect((await other.getGuest('vm/100')).lock).toBeUndefined();
  });

  it('throws UNSUPPORTED for every snapshot call without the capability', async () => {
    const { connector } = setup({ capabilities: { snapshots: false } });
    for (const run of [
      () => connector.listSnapshots('vm/100'),
      () => connector.createSnapshot('vm/100', { name: 'a' }),
      () => connector.rollbackSnapshot('vm/100', 'a'),
      () => connector.deleteSnapshot('vm/100', 'a'),
    ]) {
      await expect(run()).rejects.toMatchObject({ code: 'UNSUPPORTED', capability: 'snapshots' });
    }
  });
});

describe('migrateGuest', () => {
  it('moves a stopped guest offline: locked migrate, node changed on success', async () => {
    const { connector, finish } = setup();
    await finish(connector.stopGuest('vm/100'));
    const operation = connector.migrateGuest('vm/100', { targetNode: 'node2' });
    expect(await connector.getGuest('vm/100')).toMatchObject({ node: 'node1', lock: 'migrate' });
    expect(await finish(operation)).toMatchObject({ type: 'migrate', status: 'succeeded' });
    expect(await connector.getGuest('vm/100')).toMatchObject({ node: 'node2', state: 'stopped' });
  });

  it('moves a running guest live by default, and it keeps running', async () => {
    const { connector, finish } = setup();
    await finish(connector.migrateGuest('vm/100', { targetNode: 'node2' }));
    expect(await connector.getGuest('vm/100')).toMatchObject({ node: 'node2', state: 'running' });
  });

  it('NOT_FOUND for an unknown node, INVALID_ARGUMENT for the node the guest is on', async () => {
    const { connector } = setup();
    await expect(connector.migrateGuest('vm/100', { targetNode: 'node9' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(connector.migrateGuest('vm/100', { targetNode: 'node1' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      violations: [{ field: 'targetNode' }],
    });
    await expect(connector.migrateGuest('vm/100', { targetNode: 'bad node' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect((await connector.getGuest('vm/100')).lock).toBeUndefined();
  });

  it('needs the live capability to move a running guest, and refuses to mix online and state', async () => {
    const { connector: offlineOnly } = setup({ capabilities: { migration: { live: false } } });
    await expect(offlineOnly.migrateGuest('vm/100', { targetNode: 'node2' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'migration.live',
    });
    await expect(
      offlineOnly.migrateGuest('vm/100', { targetNode: 'node2', online: false }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: false,
      message: 'cannot migrate guest vm/100 offline: it is running (stop it first or migrate online)',
    });
    const { connector, finish } = setup();
    await finish(connector.stopGuest('vm/100'));
    await expect(
      connector.migrateGuest('vm/100', { targetNode: 'node2', online: true }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'cannot migrate guest vm/100 online: it is stopped (online migration needs a running guest)',
    });
    const live = setup({ capabilities: { migration: { offline: false } } });
    const liveOnly = live.connector;
    await live.finish(liveOnly.stopGuest('vm/100'));
    await expect(liveOnly.migrateGuest('vm/100', { targetNode: 'node2' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'migration.offline',
    });
  });

  it('stays on its node when the migration fails', async () => {
    const { connector, finish } = setup({
      failOperations: ({ type }) => (type === 'migrate' ? 'link down' : undefined),
    });
    expect(await finish(connector.migrateGuest('vm/100', { targetNode: 'node2' }))).toMatchObject({
      status: 'failed',
      error: { message: 'link down' },
    });
    expect(await connector.getGuest('vm/100')).toMatchObject({ node: 'node1' });
  });
});
