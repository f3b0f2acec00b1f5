import { describe, expect, it } from 'vitest';
import { type Capabilities, FULL_CAPABILITIES, hasCapability, isOperationDone } from '../src/index.js';

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

  it('reads what one guest type lacks', () => {
    const byType: Capabilities = {
      ...FULL_CAPABILITIES,
      unsupportedByGuestType: { container: { reset: 'containers cannot be reset' } },
    };
    expect(hasCapability(byType, 'reset')).toBe(true);
    expect(hasCapability(byType, 'reset', 'vm')).toBe(true);
    expect(hasCapability(byType, 'reset', 'container')).toBe(false);
    expect(hasCapability(byType, 'snapshots', 'container')).toBe(true);
    expect(hasCapability(limited, 'snapshots', 'vm')).toBe(false);
  });

  it('freezes the full capability map', () => {
    expect(Object.isFrozen(FULL_CAPABILITIES)).toBe(true);
  });

  it('tells running operations from ended ones', () => {
    expect(isOperationDone({ status: 'running' })).toBe(false);
    expect(isOperationDone({ status: 'cancelled' })).toBe(true);
  });
});
