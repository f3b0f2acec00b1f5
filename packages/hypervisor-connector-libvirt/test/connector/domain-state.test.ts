import { describe, expect, it } from 'vitest';
import { DomainState, isActiveState, mapDomainState } from '../../src/domains/domain-state.js';

const { NOSTATE, RUNNING, BLOCKED, PAUSED, SHUTDOWN, SHUTOFF, CRASHED, PMSUSPENDED } = DomainState;

describe('libvirt states and reasons on the contract', () => {
  it.each([
    // state, reason, contract state, lock, libvirt's names
    [RUNNING, 1, 'running', undefined, 'running', 'booted'],
    [RUNNING, 4, 'running', undefined, 'running', 'from-snapshot'],
    [RUNNING, 10, 'running', 'migrate', 'running', 'postcopy'],
    [BLOCKED, 0, 'running', undefined, 'blocked', 'unknown'],
    [PAUSED, 1, 'paused', undefined, 'paused', 'user'],
    [PAUSED, 5, 'paused', undefined, 'paused', 'ioerror'],
    [PAUSED, 2, 'running', 'migrate', 'paused', 'migration'],
    [PAUSED, 9, 'running', 'snapshot', 'paused', 'snapshot'],
    [PAUSED, 11, 'running', 'start', 'paused', 'starting-up'],
    [SHUTDOWN, 1, 'running', 'shutdown', 'shutdown', 'user'],
    [SHUTOFF, 1, 'stopped', undefined, 'shutoff', 'shutdown'],
    [SHUTOFF, 2, 'stopped', undefined, 'shutoff', 'destroyed'],
    [SHUTOFF, 3, 'stopped', undefined, 'shutoff', 'crashed'],
    [SHUTOFF, 4, 'stopped', undefined, 'shutoff', 'migrated'],
    [CRASHED, 1, 'unknown', undefined, 'crashed', 'panicked'],
    [PMSUSPENDED, 0, 'suspended', undefined, 'pmsuspended', 'unknown'],
    [NOSTATE, 0, 'unknown', undefined, 'nostate', 'unknown'],
  ] as const)(
    'state %i reason %i is %s (lock %s)',
    (state, reason, contract, lock, libvirtState, libvirtReason) => {
      const mapped = mapDomainState(state, reason);
      expect(mapped).toEqual({
        state: contract,
        ...(lock === undefined ? {} : { lock }),
        libvirtState,
        libvirtReason,
      });
    },
  );

  it('names states and reasons of a later libvirt by number, as unknown', () => {
    expect(mapDomainState(9, 3)).toEqual({
      state: 'unknown',
      libvirtState: 'state-9',
      libvirtReason: 'reason-3',
    });
    expect(mapDomainState(PAUSED, 42)).toMatchObject({ state: 'paused', libvirtReason: 'reason-42' });
  });

  it('counts every state but shut off and nostate as active', () => {
    expect([RUNNING, BLOCKED, PAUSED, SHUTDOWN, CRASHED, PMSUSPENDED].every(isActiveState)).toBe(true);
    expect(isActiveState(SHUTOFF) || isActiveState(NOSTATE)).toBe(false);
  });
});
