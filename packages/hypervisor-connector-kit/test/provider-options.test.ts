import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineConnector } from '../src/index.js';
import { recording } from './support/recording-implementation.js';
import { rejection } from './support/rejection.js';

const updated = { status: 'succeeded' as const, id: 'op:update', type: 'update' as const, startedAt: '' };

describe('defineConnector and providerOptions', () => {
  it('refuses a misspelled key of the connector’s own namespace, naming it, before the implementation runs', async () => {
    const { implementation, calls } = recording({
      providerOptions: { createGuest: z.strictObject({ firmware: z.enum(['bios', 'uefi']).optional() }) },
    });
    const connector = defineConnector(implementation);
    const error = await rejection(
      connector.createGuest({ type: 'vm', name: 'a', providerOptions: { lab: { firmwre: 'uefi' } } }),
    );
    expect(error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'invalid guest spec: providerOptions.lab.firmwre: unknown field',
      details: { violations: [{ field: 'providerOptions.lab.firmwre', message: 'unknown field' }] },
    });
    await expect(
      connector.createGuest({ type: 'vm', name: 'a', providerOptions: { lab: { firmware: 'floppy' } } }),
    ).rejects.toMatchObject({ details: { violations: [{ field: 'providerOptions.lab.firmware' }] } });
    expect(calls).toEqual([]);
    await connector.createGuest({ type: 'vm', name: 'a', providerOptions: { lab: { firmware: 'uefi' } } });
    expect(calls).toEqual(['createGuest:vm']);
  });

  it('leaves other kinds’ namespaces alone, as a spec may carry options for several kinds', async () => {
    const { implementation, calls } = recording({
      providerOptions: { createGuest: z.strictObject({ firmware: z.string().optional() }) },
    });
    const connector = defineConnector(implementation);
    await connector.createGuest({
      type: 'vm',
      name: 'a',
      providerOptions: { proxmox: { ballon: 1 }, libvirt: { anything: true }, lab: {} },
    });
    expect(calls).toEqual(['createGuest:vm']);
  });

  it('takes no options of its kind for a method without a schema, on every method that carries them', async () => {
    const { implementation, calls } = recording({
      updateGuest: async () => updated,
      cloneGuest: async () => updated,
      migrateGuest: async () => updated,
    });
    const connector = defineConnector(implementation);
    const lab = { providerOptions: { lab: { fast: true } } };
    const errors = await Promise.all([
      rejection(connector.createGuest({ type: 'vm', name: 'a', ...lab })),
      rejection(connector.cloneGuest('vm/1', { name: 'b', ...lab })),
      rejection(connector.updateGuest('vm/1', { name: 'b', ...lab })),
      rejection(connector.migrateGuest('vm/1', { targetNode: 'n2', ...lab })),
    ]);
    expect(errors.map((e) => (e as { message: string }).message)).toEqual([
      'invalid guest spec: providerOptions.lab.fast: unknown field',
      'invalid clone spec: providerOptions.lab.fast: unknown field',
      'invalid guest patch: providerOptions.lab.fast: unknown field',
      'invalid migrate spec: providerOptions.lab.fast: unknown field',
    ]);
    expect(errors.every((e) => (e as { target?: string }).target === 'lab-1')).toBe(true);
    expect(calls).toEqual([]);
    await connector.updateGuest('vm/1', { name: 'b', providerOptions: { lab: {} } });
  });
});
