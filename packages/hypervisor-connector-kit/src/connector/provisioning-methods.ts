import {
  ADDRESS_SOURCES,
  AddressRequestSchema,
  type Capabilities,
  type CapabilityName,
  ConsoleRequestSchema,
  DeviceSlotSchema,
  DiskAddSchema,
  DiskRemoveSchema,
  DiskResizeSchema,
  type GuestType,
  type HypervisorConnector,
  hasCapability,
  NicAddSchema,
  parseInput,
  UnsupportedOperationError,
} from '@hvc/hypervisor-connector';
import { z } from 'zod';
import type { CallContext } from './call-context.js';
import type { ConnectorImplementation } from './connector-implementation.js';
import type { ConnectorMethod } from './connector-methods.js';

type ProvisioningMethod =
  | 'getGuestConfig'
  | 'convertToTemplate'
  | 'resizeDisk'
  | 'addDisk'
  | 'removeDisk'
  | 'addNic'
  | 'removeNic'
  | 'getGuestAddresses'
  | 'openConsoleStream';

/** The slot argument of the device methods. */
const SlotArgumentSchema = z.strictObject({ slot: DeviceSlotSchema });

/** What `defineConnector` lends the provisioning methods: its call runner, guest ids and capability gate. */
export interface GuestCallRunner<Ref> {
  run<T>(
    method: ConnectorMethod,
    options: { readonly signal?: AbortSignal; readonly timeoutMs?: number } | undefined,
    body: (context: CallContext) => Promise<T>,
  ): Promise<T>;
  guestRef(guestId: string): Ref;
  typeOf(ref: Ref): GuestType | undefined;
  /** The capability gate: `undefined` when it passed synchronously, a promise when it is still checking. */
  gate(
    context: CallContext,
    type: GuestType | undefined,
    ...names: CapabilityName[]
  ): Promise<void> | undefined;
  /** The capabilities the gate checks, for methods whose gate depends on them. */
  current(context: CallContext): Capabilities | Promise<Capabilities>;
  readonly target: string | undefined;
}

/**
 * The contract's device, template, address and console-stream methods over an implementation: guest id, slot and
 * input validated (INVALID_ARGUMENT naming the field), the capability gated for the guest's type, then the
 * implementation's method, or UNSUPPORTED naming the capability when it has none.
 */
export function provisioningMethods<Ref>(
  impl: ConnectorImplementation<Ref>,
  runner: GuestCallRunner<Ref>,
): Pick<HypervisorConnector, ProvisioningMethod> {
  const unsupported = (capability: CapabilityName): never => {
    throw new UnsupportedOperationError(
      capability,
      undefined,
      runner.target === undefined ? {} : { target: runner.target },
    );
  };
  // Parsed as a named argument so the INVALID_ARGUMENT violation names `slot`, not an empty path.
  const slotOf = (slot: string) => parseInput(SlotArgumentSchema, { slot }, 'device slot').slot;
  /** Gates `names` for the guest, then runs `body` with the implementation's method (UNSUPPORTED when absent). */
  const guarded = async <F, T>(
    context: CallContext,
    ref: Ref,
    names: readonly CapabilityName[],
    method: F | undefined,
    body: (method: F) => Promise<T>,
  ): Promise<T> => {
    await runner.gate(context, runner.typeOf(ref), ...names);
    return body(method ?? unsupported(names[0]!));
  };

  return {
    getGuestConfig: (guestId, options) =>
      runner.run('getGuestConfig', options, (c) => {
        const ref = runner.guestRef(guestId);
        return guarded(c, ref, ['guestConfig'], impl.getGuestConfig, (m) => m.call(impl, ref, c));
      }),
    convertToTemplate: (guestId, options) =>
      runner.run('convertToTemplate', options, (c) => {
        const ref = runner.guestRef(guestId);
        return guarded(c, ref, ['templates'], impl.convertToTemplate, (m) => m.call(impl, ref, c));
      }),
    resizeDisk: (guestId, slot, resize, options) =>
      runner.run('resizeDisk', options, (c) => {
        const ref = runner.guestRef(guestId);
        const parsedSlot = slotOf(slot);
        const parsed = parseInput(DiskResizeSchema, resize, 'disk resize');
        return guarded(c, ref, ['disks.resize'], impl.resizeDisk, (m) =>
          m.call(impl, ref, parsedSlot, parsed, c),
        );
      }),
    addDisk: (guestId, disk, options) =>
      runner.run('addDisk', options, (c) => {
        const ref = runner.guestRef(guestId);
        const parsed = parseInput(DiskAddSchema, disk, 'disk');
        return guarded(c, ref, ['disks.add'], impl.addDisk, (m) => m.call(impl, ref, parsed, c));
      }),
    removeDisk: (guestId, slot, request, options) =>
      runner.run('removeDisk', options, (c) => {
        const ref = runner.guestRef(guestId);
        const parsedSlot = slotOf(slot);
        const parsed = parseInput(DiskRemoveSchema, request ?? {}, 'disk removal');
        return guarded(c, ref, ['disks.remove'], impl.removeDisk, (m) =>
          m.call(impl, ref, parsedSlot, parsed, c),
        );
      }),
    addNic: (guestId, nic, options) =>
      runner.run('addNic', options, (c) => {
        const ref = runner.guestRef(guestId);
        const parsed = parseInput(NicAddSchema, nic, 'nic');
        return guarded(c, ref, ['nics.add'], impl.addNic, (m) => m.call(impl, ref, parsed, c));
      }),
    removeNic: (guestId, slot, options) =>
      runner.run('removeNic', options, (c) => {
        const ref = runner.guestRef(guestId);
        const parsedSlot = slotOf(slot);
        return guarded(c, ref, ['nics.remove'], impl.removeNic, (m) => m.call(impl, ref, parsedSlot, c));
      }),
    getGuestAddresses: (guestId, request, options) =>
      runner.run('getGuestAddresses', options, async (c) => {
        const ref = runner.guestRef(guestId);
        const parsed = parseInput(AddressRequestSchema, request ?? {}, 'address request');
        const type = runner.typeOf(ref);
        let sources = parsed.sources;
        if (sources === undefined) {
          // None asked: every source this target has for the guest's type; UNSUPPORTED when it has none.
          const capabilities = await runner.current(c);
          sources = ADDRESS_SOURCES.filter((s) => hasCapability(capabilities, `guestAddresses.${s}`, type));
          if (sources.length === 0) unsupported('guestAddresses.agent');
        }
        const names = sources.map((s) => `guestAddresses.${s}` as const);
        return guarded(c, ref, names, impl.getGuestAddresses, (m) => m.call(impl, ref, { sources }, c));
      }),
    openConsoleStream: (guestId, request, options) =>
      runner.run('openConsoleStream', options, (c) => {
        const ref = runner.guestRef(guestId);
        const parsed = parseInput(ConsoleRequestSchema, request, 'console request');
        return guarded(c, ref, [`consoleStream.${parsed.protocol}`], impl.openConsoleStream, (m) =>
          m.call(impl, ref, parsed, c),
        );
      }),
  };
}
