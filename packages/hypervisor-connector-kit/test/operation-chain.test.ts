import { isHypervisorError, type Operation, OperationFailedError } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { type ChainStep, OperationChains } from '../src/index.js';

/** A step operation the test ends by hand. */
function stepOperation(id: string): {
  operation: Operation;
  finish: (ok: boolean) => void;
  done: Promise<Operation>;
} {
  let finish!: (ok: boolean) => void;
  const operation: Operation = {
    id,
    type: 'update',
    status: 'running',
    startedAt: new Date(0).toISOString(),
  };
  const done = new Promise<Operation>((resolve, reject) => {
    finish = (ok) =>
      ok
        ? resolve({ ...operation, status: 'succeeded' })
        : reject(new OperationFailedError(`${id} failed: disk full`, { operationId: id }));
  });
  return { operation, finish, done };
}

function chains(waits: Map<string, Promise<Operation>>, cancelled: string[] = []) {
  return new OperationChains({
    idPrefix: 'test1c.',
    waitStep: (operation) => waits.get(operation.id) ?? Promise.resolve(operation),
    cancelStep: async (id) => {
      cancelled.push(id);
    },
  });
}

describe('OperationChains', () => {
  it('runs steps in order as one operation, with progress and each step id', async () => {
    const waits = new Map<string, Promise<Operation>>();
    const first = stepOperation('t-1');
    const second = stepOperation('t-2');
    waits.set('t-1', first.done);
    waits.set('t-2', second.done);
    const order: string[] = [];
    const steps: ChainStep[] = [
      {
        type: 'clone',
        run: async () => {
          order.push('clone');
          return first.operation;
        },
      },
      {
        type: 'update',
        run: async () => {
          order.push('configure');
          return undefined;
        },
      },
      {
        type: 'start',
        run: async () => {
          order.push('start');
          return second.operation;
        },
      },
    ];
    const registry = chains(waits);
    const chain = registry.start({ type: 'create', guestId: 'qemu/100' }, steps);
    expect(chain).toMatchObject({ type: 'create', guestId: 'qemu/100', status: 'running', progress: 0 });
    expect(registry.owns(chain.id)).toBe(true);
    const waited = registry.wait(chain.id);
    await Promise.resolve();
    expect(order).toEqual(['clone']);
    first.finish(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(order).toEqual(['clone', 'configure', 'start']);
    expect(registry.get(chain.id).progress).toBeCloseTo(2 / 3);
    second.finish(true);
    const done = await waited;
    expect(done).toMatchObject({ status: 'succeeded', progress: 1 });
    expect(done.raw?.steps).toEqual([
      { type: 'clone', status: 'succeeded', operationId: 't-1' },
      { type: 'update', status: 'succeeded' },
      { type: 'start', status: 'succeeded', operationId: 't-2' },
    ]);
  });

  it('fails with the first failing step and skips the rest', async () => {
    const waits = new Map<string, Promise<Operation>>();
    const first = stepOperation('t-1');
    waits.set('t-1', first.done);
    let ran = false;
    const registry = chains(waits);
    const chain = registry.start({ type: 'create' }, [
      { type: 'clone', run: async () => first.operation },
      {
        type: 'start',
        run: async () => {
          ran = true;
          return undefined;
        },
      },
    ]);
    first.finish(false);
    const error = await registry.wait(chain.id).catch((e: unknown) => e);
    expect(isHypervisorError(error, 'OPERATION_FAILED')).toBe(true);
    const ended = registry.get(chain.id);
    expect(ended).toMatchObject({ status: 'failed', error: { code: 'OPERATION_FAILED' } });
    expect(ended.error?.message).toContain('disk full');
    expect(ran).toBe(false);
  });

  it('cancels the running step and skips the rest', async () => {
    const waits = new Map<string, Promise<Operation>>();
    const first = stepOperation('t-1');
    waits.set('t-1', first.done);
    const cancelled: string[] = [];
    const registry = chains(waits, cancelled);
    let ran = false;
    const chain = registry.start({ type: 'create' }, [
      { type: 'clone', run: async () => first.operation },
      {
        type: 'start',
        run: async () => {
          ran = true;
          return undefined;
        },
      },
    ]);
    await Promise.resolve();
    await Promise.resolve();
    const after = await registry.cancel(chain.id);
    expect(after.status).toBe('cancelled');
    expect(cancelled).toEqual(['t-1']);
    first.finish(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(ran).toBe(false);
    expect(registry.get(chain.id).status).toBe('cancelled');
  });

  it('answers NOT_FOUND for a chain id it does not run', () => {
    const error = (() => {
      try {
        chains(new Map()).get('test1c.99');
      } catch (e) {
        return e;
      }
    })();
    expect(isHypervisorError(error, 'NOT_FOUND')).toBe(true);
  });
});
