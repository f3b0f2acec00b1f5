import { FULL_CAPABILITIES } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { defineConnector } from '../src/index.js';
import { recording } from './support/recording-implementation.js';

describe('defineConnector', () => {
  it('hands the implementation parsed input, the guest reference and the target', async () => {
    const { implementation, calls, contexts } = recording();
    const connector = defineConnector(implementation);
    expect(connector).toMatchObject({ kind: 'lab', specificationVersion: 'v1' });
    await connector.listGuests({ type: 'vm' });
    await connector.getGuest('vm/7');
    await connector.createSnapshot('vm/7', { name: 'base' });
    expect(calls).toEqual(['listGuests:{"type":"vm"}', 'getGuest:vm/7', 'createSnapshot:vm/7:base:false']);
    expect(contexts[0]).toMatchObject({ signal: undefined, target: 'lab-1' });
  });

  it('checks in order: closed, aborted, invalid input, capability; none of them reaches the implementation', async () => {
    const { implementation, calls } = recording();
    const connector = defineConnector(implementation);
    await expect(connector.getGuest('vm/1', { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    await expect(connector.getGuest('nope')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(connector.listGuests({ type: 'robot' } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('guest filter'),
    });
    await expect(connector.createSnapshot('vm/1', { name: '1bad' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(
      connector.createSnapshot('vm/1', { name: 'mem', includeMemory: true }),
    ).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'memorySnapshots',
      target: 'lab-1',
    });
    await expect(connector.getGuest('vm/1', { timeoutMs: -1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(calls).toEqual([]);
    await connector.close();
    await expect(connector.getGuest('vm/1')).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: false });
  });

  it('refuses what one guest type lacks with the declared note, and allows it for the other', async () => {
    const { implementation, calls } = recording();
    const connector = defineConnector(implementation);
    await expect(connector.resetGuest('ct/2')).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'reset',
      message: 'unsupported: reset (containers cannot be reset)',
    });
    await connector.resetGuest('vm/2');
    expect(calls).toEqual(['resetGuest:vm/2']);
  });

  it('refuses a method the implementation leaves out with UNSUPPORTED', async () => {
    const { implementation } = recording();
    const connector = defineConnector(implementation);
    await expect(connector.listSnapshots('vm/1')).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'snapshots',
    });
    await expect(connector.getMetrics('vm/1')).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'metrics',
    });
  });

  it('gates on the current capabilities when the implementation refines them', async () => {
    const { implementation, calls } = recording({
      currentCapabilities: async () => ({ ...FULL_CAPABILITIES, create: false }),
    });
    const connector = defineConnector(implementation);
    await expect(connector.createGuest({ type: 'vm', name: 'x' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'create',
    });
    expect(calls).toEqual([]);
  });

  it('turns a passed deadline into TIMEOUT and a caller abort into CANCELLED, through the context signal', async () => {
    const { implementation, contexts } = recording();
    const connector = defineConnector(implementation);
    await expect(connector.stopGuest('vm/1', { timeoutMs: 20 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      target: 'lab-1',
      message: 'the call did not end within 20 ms',
      // A write stopped once running may have reached the hypervisor: not blindly retryable.
      mayHaveBeenApplied: true,
      retryable: false,
    });
    expect(contexts[0]?.signal?.aborted).toBe(true);
    const controller = new AbortController();
    const stopping = connector.stopGuest('vm/1', { signal: controller.signal, timeoutMs: 60_000 });
    controller.abort();
    await expect(stopping).rejects.toMatchObject({ code: 'CANCELLED', mayHaveBeenApplied: true });
  });

  it('never says a read may have been applied', async () => {
    const { implementation } = recording({
      listNodes: (c) =>
        new Promise((_, reject) => c.signal?.addEventListener('abort', () => reject(c.signal?.reason))),
    });
    const connector = defineConnector(implementation);
    await expect(connector.listNodes({ timeoutMs: 20 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      mayHaveBeenApplied: false,
      retryable: true,
    });
  });

  it('names the target on contract errors and turns anything else into INTERNAL', async () => {
    const { implementation } = recording();
    const connector = defineConnector(implementation);
    await expect(connector.shutdownGuest('vm/1')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      target: 'lab-1',
    });
    await expect(connector.describe()).rejects.toMatchObject({
      code: 'INTERNAL',
      target: 'lab-1',
      message: 'unexpected',
    });
  });

  it('leaves waitForOperation its timeoutMs, validated', async () => {
    const { implementation, calls } = recording();
    const connector = defineConnector(implementation);
    await connector.waitForOperation('op:1', { timeoutMs: 5 });
    await expect(connector.waitForOperation('op:1', { timeoutMs: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('wait options'),
    });
    expect(calls).toEqual(['waitForOperation:op:1:5']);
  });

  it('starts a call at once: no turn of the event loop before the implementation runs', () => {
    const { implementation, calls } = recording();
    const connector = defineConnector(implementation);
    void connector.startGuest('vm/3');
    void connector.resetGuest('vm/3');
    expect(calls).toEqual(['startGuest:vm/3', 'resetGuest:vm/3']);
  });

  it('closes the implementation once, and adds the extra members', async () => {
    const { implementation, closes } = recording();
    const connector = defineConnector(implementation, { hello: () => 'world' });
    expect(connector.hello()).toBe('world');
    expect(Object.isFrozen(connector.capabilities)).toBe(true);
    await Promise.all([connector.close(), connector.close(), connector[Symbol.asyncDispose]()]);
    expect(closes()).toBe(1);
  });
});
