import {
  type AddressSource,
  type CapabilityName,
  GUEST_TYPES,
  type Guest,
  type GuestSpecInput,
  type GuestType,
  type HypervisorConnector,
  hasCapability,
} from '@hvc/hypervisor-connector';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError, fail } from '../expect-error.js';
import { guestsFingerprint } from '../guest-fingerprint.js';
import type { VmSpecInput } from '../provisioning-support.js';
import { capabilityNames } from './capability-names.js';

/** What the probes act on. */
interface ProbeTargets {
  readonly stopped?: Guest;
  readonly running?: Guest;
  readonly otherNode: string;
  readonly operationId?: string;
  readonly templateId?: string;
  spec(type: GuestType): GuestSpecInput;
}

type Call = (c: HypervisorConnector) => Promise<unknown>;

/** The calls that need capability `name`, or undefined when there is nothing to call them on. */
function probeCalls(name: CapabilityName, t: ProbeTargets): Call[] | undefined {
  const idle = t.stopped ?? t.running;
  const busy = t.running ?? t.stopped;
  if (name.startsWith('guestTypes.')) {
    const type = name.slice('guestTypes.'.length) as GuestType;
    return [(c) => c.createGuest(t.spec(type))];
  }
  if (name.startsWith('guestAddresses.')) {
    const source = name.slice('guestAddresses.'.length) as AddressSource;
    return busy && [(c) => c.getGuestAddresses(busy.id, { sources: [source] })];
  }
  const vm = (extra: Partial<VmSpecInput>): Call[] => {
    const spec = t.spec('vm');
    return spec.type === 'vm' ? [(c) => c.createGuest({ ...spec, ...extra } as GuestSpecInput)] : [];
  };
  if (name.startsWith('console.')) {
    const protocol = name.slice('console.'.length) as 'vnc' | 'spice' | 'terminal';
    return busy && [(c) => c.openConsole(busy.id, { protocol })];
  }
  switch (name) {
    case 'create':
      return [(c) => c.createGuest(t.spec(GUEST_TYPES[0]))];
    case 'update':
      return idle && [(c) => c.updateGuest(idle.id, { description: 'kit' })];
    case 'clone.full':
      return idle && [(c) => c.cloneGuest(idle.id, { mode: 'full' })];
    case 'clone.linked': {
      const source = t.templateId ?? idle?.id;
      return source === undefined ? undefined : [(c) => c.cloneGuest(source, { mode: 'linked' })];
    }
    case 'snapshots':
      return (
        idle && [
          (c) => c.listSnapshots(idle.id),
          (c) => c.createSnapshot(idle.id, { name: 'kit' }),
          (c) => c.rollbackSnapshot(idle.id, 'kit'),
          (c) => c.deleteSnapshot(idle.id, 'kit'),
        ]
      );
    case 'memorySnapshots':
      return busy && [(c) => c.createSnapshot(busy.id, { name: 'kit', includeMemory: true })];
    case 'migration.offline':
      return idle && [(c) => c.migrateGuest(idle.id, { targetNode: t.otherNode, online: false })];
    case 'migration.live':
      return busy && [(c) => c.migrateGuest(busy.id, { targetNode: t.otherNode, online: true })];
    case 'suspend':
      return busy && [(c) => c.suspendGuest(busy.id), (c) => c.resumeGuest(busy.id)];
    case 'reset':
      return busy && [(c) => c.resetGuest(busy.id)];
    case 'metrics':
      return busy && [(c) => c.getMetrics(busy.id)];
    case 'inventory.storages':
      return [(c) => c.listStorages()];
    case 'inventory.networks':
      return [(c) => c.listNetworks()];
    case 'inventory.images':
      return [(c) => c.listImages()];
    case 'operationList':
      return [(c) => c.listOperations()];
    case 'sources.image':
      return vm({ source: { kind: 'image', volumeId: 'kit:import/kit.qcow2' } });
    case 'sources.iso':
      return vm({ source: { kind: 'iso', volumeId: 'kit:iso/kit.iso' }, cdrom: undefined });
    case 'sources.template':
      return vm({ source: { kind: 'template', guestId: t.templateId ?? idle?.id ?? 'kit/1' } });
    case 'bootOrder':
      return vm({ boot: ['disk'] });
    case 'cloudInit.config':
      return vm({ cloudInit: { user: 'kit' } });
    case 'cloudInit.hostname':
      return vm({ cloudInit: { hostname: 'kit-other-host-name' } });
    case 'cloudInit.userData':
      return vm({ cloudInit: { userData: '#cloud-config\n' } });
    case 'cloudInit.userDataVolume':
      return vm({ cloudInit: { userDataVolume: 'kit:snippets/kit.yaml' } });
    case 'guestConfig':
      return idle && [(c) => c.getGuestConfig(idle.id)];
    case 'templates':
      return idle && [(c) => c.convertToTemplate(idle.id)];
    case 'disks.resize':
      return idle && [(c) => c.resizeDisk(idle.id, 'kitslot0', { sizeGiB: 1024 })];
    case 'disks.resizeRunning':
      return busy && [(c) => c.resizeDisk(busy.id, 'kitslot0', { sizeGiB: 1024 })];
    case 'disks.add':
      return idle && [(c) => c.addDisk(idle.id, { sizeGiB: 1 })];
    case 'disks.remove':
      return idle && [(c) => c.removeDisk(idle.id, 'kitslot0')];
    case 'nics.add':
      return idle && [(c) => c.addNic(idle.id, { network: 'kitnet' })];
    case 'nics.remove':
      return idle && [(c) => c.removeNic(idle.id, 'kitslot0')];
    case 'cancelOperation': {
      const id = t.operationId;
      return id === undefined ? undefined : [(c) => c.cancelOperation(id)];
    }
    default:
      return undefined;
  }
}

/** A spec of `type` for probes: the fixture's when it has one, else the least the schema accepts. */
function probeSpec(ctx: CaseContext, type: GuestType): GuestSpecInput {
  const name = ctx.uniqueName('probe');
  const make = type === 'vm' ? ctx.fixture.vmSpec : ctx.fixture.containerSpec;
  if (make) return { ...make.call(ctx.fixture, name), name };
  return type === 'vm' ? { type, name } : { type, name, osTemplate: 'local:vztmpl/kit.tar.zst' };
}

/** Guests of the restricted connector to probe: made by the kit when it can create them, else listed. */
async function probeGuests(
  ctx: CaseContext,
  restricted: HypervisorConnector,
  canCreate: (type: GuestType) => boolean,
): Promise<{ stopped?: Guest; running?: Guest; operationId?: string }> {
  const types: GuestType[] = [ctx.guestType, ...GUEST_TYPES.filter((t) => t !== ctx.guestType)];
  const type = types.find(
    (t) => canCreate(t) && (t === 'vm' ? ctx.fixture.vmSpec : ctx.fixture.containerSpec),
  );
  if (type !== undefined) {
    const stopped = await ctx.createGuest({ connector: restricted, type });
    const other = await ctx.createGuest({ connector: restricted, type });
    const start = await restricted.startGuest(other.id);
    await ctx.wait(start, restricted);
    return { stopped, running: await restricted.getGuest(other.id), operationId: start.id };
  }
  const guests = (await restricted.listGuests({ templates: false })).filter((g) => !g.lock);
  return {
    stopped: guests.find((g) => g.state === 'stopped'),
    running: guests.find((g) => g.state === 'running'),
  };
}

/** Capabilities reported missing throw UNSUPPORTED. */
export const capabilityCases: readonly ConformanceCase[] = [
  {
    id: 'capabilities.restricted-unsupported',
    title: 'every capability the restricted connector reports missing throws UNSUPPORTED and changes nothing',
    needs: ['connectRestricted'],
    async run(ctx) {
      const restricted = await ctx.open('restricted');
      const refined = await ctx.capabilities(restricted);
      const has = (name: CapabilityName) =>
        hasCapability(refined, name) && hasCapability(restricted.capabilities, name);
      const missing = capabilityNames().filter((name) => !has(name));
      if (missing.length === 0) fail('the restricted connector reports every capability: restrict some');

      const canCreate = (type: GuestType) => has('create') && has(`guestTypes.${type}`);
      const guests = await probeGuests(ctx, restricted, canCreate);
      const nodes = await ctx.nodeNames(restricted);
      const template = (await restricted.listGuests({ templates: true })).find((g) => g.template);
      const home = guests.stopped?.node ?? guests.running?.node;
      const operationId = guests.operationId ?? ctx.fixture.unknownOperationId;
      const targets: ProbeTargets = {
        ...guests,
        ...(operationId === undefined ? {} : { operationId }),
        otherNode: nodes.find((n) => n !== home) ?? 'kit-other-node',
        ...(template === undefined ? {} : { templateId: template.id }),
        spec: (type) => probeSpec(ctx, type),
      };

      const unprobed: string[] = [];
      for (const name of missing) {
        const calls = probeCalls(name, targets);
        if (!calls) {
          unprobed.push(name);
          continue;
        }
        for (const call of calls) {
          const before = await guestsFingerprint(restricted);
          const error = await expectError(call(restricted), 'UNSUPPORTED', `a call needing "${name}"`);
          if (typeof error.details?.capability !== 'string') {
            fail(`UNSUPPORTED for "${name}" names no capability`);
          }
          if ((await guestsFingerprint(restricted)) !== before) {
            fail(`a call needing "${name}" changed guests`);
          }
        }
      }
      if (unprobed.length === missing.length) {
        ctx.skip(`the restricted connector has no guest to probe ${unprobed.join(', ')} on`);
      }
    },
  },
];
