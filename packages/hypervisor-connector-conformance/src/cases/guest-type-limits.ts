import {
  type Capabilities,
  GUEST_TYPES,
  type Guest,
  type GuestCapabilityName,
  type GuestType,
  type HypervisorConnector,
  hasCapability,
  isHypervisorError,
} from '@hvc/hypervisor-connector';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError, fail } from '../expect-error.js';
import { guestsFingerprint } from '../guest-fingerprint.js';

/** A call that needs one guest-scoped capability, made on a running guest. */
interface GuestProbe {
  readonly call: (connector: HypervisorConnector, guest: Guest) => Promise<unknown>;
  /**
   * Runs the call for real when the guest type has the capability, and undoes what it did; absent where the call's
   * effect is too large to make just to prove the capability is honoured (a migration, a clone).
   */
  readonly allowed?: (ctx: CaseContext, guest: Guest) => Promise<void>;
}

const PROBES: Readonly<Partial<Record<GuestCapabilityName, GuestProbe>>> = {
  reset: {
    call: (c, g) => c.resetGuest(g.id),
    allowed: async (ctx, g) => void (await ctx.wait(await ctx.connector.resetGuest(g.id))),
  },
  suspend: {
    call: (c, g) => c.suspendGuest(g.id),
    allowed: async (ctx, g) => {
      await ctx.wait(await ctx.connector.suspendGuest(g.id));
      await ctx.wait(await ctx.connector.resumeGuest(g.id));
    },
  },
  snapshots: {
    call: (c, g) => c.listSnapshots(g.id),
    allowed: async (ctx, g) => void (await ctx.connector.listSnapshots(g.id)),
  },
  memorySnapshots: {
    call: (c, g) => c.createSnapshot(g.id, { name: 'kitmem', includeMemory: true }),
    allowed: async (ctx, g) => {
      await ctx.wait(await ctx.connector.createSnapshot(g.id, { name: 'kitmem', includeMemory: true }));
      await ctx.wait(await ctx.connector.deleteSnapshot(g.id, 'kitmem'));
    },
  },
  'console.vnc': {
    call: (c, g) => c.openConsole(g.id, { protocol: 'vnc' }),
    allowed: async (ctx, g) => void (await ctx.connector.openConsole(g.id, { protocol: 'vnc' })),
  },
  'console.spice': {
    call: (c, g) => c.openConsole(g.id, { protocol: 'spice' }),
    allowed: async (ctx, g) => void (await ctx.connector.openConsole(g.id, { protocol: 'spice' })),
  },
  'console.terminal': {
    call: (c, g) => c.openConsole(g.id, { protocol: 'terminal' }),
    allowed: async (ctx, g) => void (await ctx.connector.openConsole(g.id, { protocol: 'terminal' })),
  },
  metrics: {
    call: (c, g) => c.getMetrics(g.id),
    allowed: async (ctx, g) => void (await ctx.connector.getMetrics(g.id)),
  },
  update: { call: (c, g) => c.updateGuest(g.id, { description: 'kit' }) },
  'clone.full': { call: (c, g) => c.cloneGuest(g.id, { mode: 'full' }) },
  'clone.linked': { call: (c, g) => c.cloneGuest(g.id, { mode: 'linked' }) },
  'migration.live': { call: (c, g) => c.migrateGuest(g.id, { targetNode: g.node, online: true }) },
  'migration.offline': { call: (c, g) => c.migrateGuest(g.id, { targetNode: g.node, online: false }) },
};

/** The guest types the case can make guests of: the fixture has a spec and the connector creates them. */
function typesToProbe(ctx: CaseContext, capabilities: Capabilities): GuestType[] {
  return GUEST_TYPES.filter(
    (type) =>
      (type === 'vm' ? ctx.fixture.vmSpec : ctx.fixture.containerSpec) !== undefined &&
      hasCapability(capabilities, 'create') &&
      hasCapability(capabilities, `guestTypes.${type}`),
  );
}

/** What a guest type lacks is declared, refused exactly, and nothing else is refused for it. */
export const guestTypeLimitCases: readonly ConformanceCase[] = [
  {
    id: 'capabilities.guest-type-limits',
    title:
      'what a guest type lacks (unsupportedByGuestType) throws UNSUPPORTED naming it and changes nothing; what it has is never refused as UNSUPPORTED or INVALID_ARGUMENT',
    needs: ['guestSpec'],
    async run(ctx) {
      const capabilities = await ctx.capabilities();
      const types = typesToProbe(ctx, capabilities);
      if (types.length === 0) ctx.skip('the connector creates no guest type the fixture has a spec for');
      for (const type of types) {
        const declared = capabilities.unsupportedByGuestType?.[type] ?? {};
        const guest = await ctx.createGuest({ type, state: 'running' });
        for (const [name, probe] of Object.entries(PROBES) as [GuestCapabilityName, GuestProbe][]) {
          if (!hasCapability(capabilities, name)) continue; // the restricted case covers what is missing altogether
          const what = `${name} on a ${type}`;
          if (declared[name] !== undefined) {
            const before = await guestsFingerprint(ctx.connector);
            const error = await expectError(probe.call(ctx.connector, guest), 'UNSUPPORTED', what);
            if (error.details?.capability !== name) {
              fail(`${what}: UNSUPPORTED names ${String(error.details?.capability)}, expected ${name}`);
            }
            if ((await guestsFingerprint(ctx.connector)) !== before) fail(`${what} changed guests`);
            continue;
          }
          if (!probe.allowed) continue;
          try {
            await probe.allowed(ctx, await ctx.connector.getGuest(guest.id));
          } catch (error) {
            if (isHypervisorError(error, 'UNSUPPORTED') || isHypervisorError(error, 'INVALID_ARGUMENT')) {
              fail(
                `${what}: refused with ${error.code} (${error.message}), but the connector has the capability ` +
                  `and does not declare it missing for ${type}s in unsupportedByGuestType`,
              );
            }
            throw error;
          }
        }
      }
    },
  },
];
