import { type Capabilities, FULL_CAPABILITIES, UnsupportedOperationError } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { abortableDelay, createManualClock, requireCapability, throwIfAborted } from '../src/index.js';

const limited: Capabilities = {
  ...FULL_CAPABILITIES,
  guestTypes: ['vm'],
  snapshots: false,
  clone: { full: true, linked: false },
  console: ['vnc'],
  notes: { 'clone.linked': 'needs a template on shared storage' },
};

describe('requireCapability', () => {
  it('throws UNSUPPORTED with the note for a missing capability', () => {
    expect(() => requireCapability(limited, 'metrics')).not.toThrow();
    try {
      requireCapability(limited, 'clone.linked', { target: 'pve-eu-1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedOperationError);
      expect((error as UnsupportedOperationError).message).toContain('needs a template');
      expect((error as UnsupportedOperationError).target).toBe('pve-eu-1');
    }
  });

  it("throws UNSUPPORTED with the guest type's note for what that type lacks", () => {
    const byType: Capabilities = {
      ...FULL_CAPABILITIES,
      unsupportedByGuestType: { container: { reset: 'containers cannot be reset' } },
    };
    expect(() => requireCapability(byType, 'reset', { guestType: 'vm' })).not.toThrow();
    expect(() => requireCapability(byType, 'reset', { guestType: 'container' })).toThrow(
      expect.objectContaining({
        code: 'UNSUPPORTED',
        message: 'unsupported: reset (containers cannot be reset)',
      }),
    );
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

  it('abortableDelay runs on the clock it is given', async () => {
    const clock = createManualClock();
    let done = false;
    const waiting = abortableDelay(1_000, undefined, clock).then(() => {
      done = true;
    });
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    await waiting;
    expect(done).toBe(true);
  });
});
