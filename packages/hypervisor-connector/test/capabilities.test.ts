import { describe, expect, it } from 'vitest';
import {
  abortableDelay,
  type Capabilities,
  FULL_CAPABILITIES,
  hasCapability,
  isOperationDone,
  requireCapability,
  throwIfAborted,
  UnsupportedOperationError,
} from '../src/index.js';

const limited: Capabilities = {
  ...FULL_CAPABILITIES,
  guestTypes: ['vm'],
  snapshots: false,
  clone: { full: true, linked: false },
  console: ['vnc'],
  notes: { 'clone.linked': 'needs a template on shared storage' },
};

describe('capabilities', () => {
  it('reads flat, nested and list capabilities', () => {
    expect(hasCapability(limited, 'snapshots')).toBe(false);
    expect(hasCapability(limited, 'metrics')).toBe(true);
    expect(hasCapability(limited, 'clone.full')).toBe(true);
    expect(hasCapability(limited, 'clone.linked')).toBe(false);
    expect(hasCapability(limited, 'guestTypes.container')).toBe(false);
    expect(hasCapability(limited, 'console.vnc')).toBe(true);
    expect(hasCapability(limited, 'console.spice')).toBe(false);
  });

  it('throws UNSUPPORTED with the note for a missing capability', () => {
    expect(() => requireCapability(limited, 'metrics')).not.toThrow();
    try {
      requireCapability(limited, 'clone.linked', 'pve-eu-1');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedOperationError);
      expect((error as UnsupportedOperationError).message).toContain('needs a template');
      expect((error as UnsupportedOperationError).target).toBe('pve-eu-1');
    }
  });

  it('freezes the full capability map', () => {
    expect(Object.isFrozen(FULL_CAPABILITIES)).toBe(true);
  });
});

describe('abort helpers', () => {
  it('throwIfAborted throws CANCELLED only once aborted', () => {
    const controller = new AbortController();
    expect(() => throwIfAborted(controller.signal)).not.toThrow();
    controller.abort();
    expect(() => throwIfAborted(controller.signal)).toThrow(expect.objectContaining({ code: 'CANCELLED' }));
  });

  it('abortableDelay resolves, or rejects with CANCELLED on abort', async () => {
    await expect(abortableDelay(1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const waiting = abortableDelay(60_000, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(abortableDelay(1, AbortSignal.abort())).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('tells running operations from ended ones', () => {
    expect(isOperationDone({ status: 'running' })).toBe(false);
    expect(isOperationDone({ status: 'cancelled' })).toBe(true);
  });
});
