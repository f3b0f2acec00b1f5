import type { Duplex } from 'node:stream';
import {
  type ConnectorContext,
  type HypervisorConnector,
  toHypervisorError,
} from '@hvc/hypervisor-connector';
import { defineConnector, operationPageOf, powerMethods } from '@hvc/hypervisor-connector-kit';
import { type LibvirtConfigInput, parseLibvirtConfig } from '../config/libvirt-config.js';
import { type AttachTerminalOptions, attachTerminal, openConsole } from '../console/guest-console.js';
import { TerminalTickets } from '../console/terminal-tickets.js';
import { openVncConsoleStream } from '../console/vnc-console-stream.js';
import { parseGuestId } from '../domains/guest-id.js';
import { GuestLocator } from '../domains/guest-locator.js';
import { getGuest, listGuests } from '../domains/guest-reads.js';
import { addDisk, removeDisk, resizeDisk } from '../guests/disk-changes.js';
import { getGuestAddresses } from '../guests/guest-addresses.js';
import { cloneGuest } from '../guests/guest-clone.js';
import { getGuestConfig } from '../guests/guest-config.js';
import { createGuest } from '../guests/guest-create.js';
import { deleteGuest } from '../guests/guest-delete.js';
import { updateGuest } from '../guests/guest-update.js';
import { addNic, removeNic } from '../guests/nic-changes.js';
import { convertToTemplate } from '../guests/template-conversion.js';
import { DomainEventHub } from '../hosts/domain-event-hub.js';
import { LibvirtTarget } from '../hosts/libvirt-target.js';
import { listNodes } from '../hosts/node-listing.js';
import { describeTarget } from '../hosts/target-description.js';
import { diskPaths, templateImage } from '../inventory/guest-images.js';
import {
  listLibvirtImages,
  listLibvirtNetworks,
  listLibvirtStorages,
} from '../inventory/libvirt-inventory.js';
import { GuestMetrics } from '../metrics/guest-metrics.js';
import { abortMigration, migrateGuest } from '../migration/guest-migration.js';
import { GuestLocks } from '../operations/guest-locks.js';
import { LibvirtOperations } from '../operations/libvirt-operations.js';
import { runPowerAction } from '../power/guest-power.js';
import { changeSnapshot, createSnapshot, listSnapshots } from '../snapshots/guest-snapshots.js';
import { libvirtGuestWatcher } from '../watch/guest-watch.js';
import { LIBVIRT_CAPABILITIES, targetCapabilities } from './capabilities.js';
import type { LibvirtContext } from './libvirt-context.js';
import { LIBVIRT_PROVIDER_OPTIONS } from './provider-options.js';

/** The connector kind of the libvirt connector. */
export const LIBVIRT_CONNECTOR_KIND = 'libvirt';

/** A libvirt connector: the contract, plus the serial console of a terminal ticket as a stream. */
export interface LibvirtConnector extends HypervisorConnector {
  readonly kind: 'libvirt';
  /**
   * Redeems a `terminal` console ticket of this connector (`openConsole(id, { protocol: 'terminal' })`): the
   * guest's serial console as a Node `Duplex`, bytes both ways, ending when the guest stops. NOT_FOUND for an
   * unknown, used or expired ticket; CONFLICT when another session holds the console (unless `force`).
   */
  attachTerminal(ticket: string, options?: AttachTerminalOptions): Promise<Duplex>;
}

/**
 * Creates a connector for one libvirt target: one or more hosts, each reached by its libvirt URI with one
 * connection opened at the first call. Validates `input` (INVALID_ARGUMENT naming each bad field) and does no I/O
 * before the first call. See the package README for the URI forms, the config and what each method does.
 */
export function createLibvirtConnector(
  input: LibvirtConfigInput,
  connectorContext: ConnectorContext = {},
): LibvirtConnector {
  const config = parseLibvirtConfig(input);
  const targetId = connectorContext.targetId;
  const events = new DomainEventHub();
  const target = new LibvirtTarget(config, events);
  const locator = new GuestLocator(target, events);
  const locks = new GuestLocks();
  const capabilities = targetCapabilities(config);
  const operations: LibvirtOperations = new LibvirtOperations({
    locator,
    events,
    locks,
    settleMs: config.operations.settleMs,
    pollMs: config.operations.pollMs,
    maxPollMs: config.operations.maxPollMs,
    keepEnded: config.operations.keepEnded,
    ...(targetId === undefined ? {} : { target: targetId }),
    abortMigration: (ref, signal) => abortMigration(context, ref, signal),
  });
  const context: LibvirtContext = { config, target, events, locator, locks, operations, capabilities };
  const tickets = new TerminalTickets();
  const metrics = new GuestMetrics(context);
  const watcher = libvirtGuestWatcher(context, targetId);

  return defineConnector<string, Pick<LibvirtConnector, 'attachTerminal'>>(
    {
      kind: LIBVIRT_CONNECTOR_KIND,
      capabilities: LIBVIRT_CAPABILITIES,
      ...(targetId === undefined ? {} : { target: targetId }),
      guestRef: parseGuestId,
      guestTypeOf: () => 'vm',
      providerOptions: LIBVIRT_PROVIDER_OPTIONS,
      currentCapabilities: () => capabilities,
      describe: (call) => describeTarget(LIBVIRT_CONNECTOR_KIND, target, capabilities, call.signal),
      listNodes: (call) => listNodes(target, call.signal),
      listGuests: (filter, call) => listGuests(context, filter, call.signal),
      listStorages: (query, call) => listLibvirtStorages(context, query, call.signal),
      listNetworks: (query, call) => listLibvirtNetworks(context, query, call.signal),
      listImages: (query, call) =>
        listLibvirtImages(
          context,
          query,
          async (signal) => {
            const guests = await listGuests(context, { templates: true }, signal);
            return {
              templates: guests.filter((g) => g.template).map(templateImage),
              diskPaths: new Set(guests.flatMap((g) => diskPaths(g.raw))),
            };
          },
          call.signal,
        ),
      getGuest: (uuid, call) => getGuest(context, uuid, call.signal),
      createGuest: (spec, call) => {
        if (spec.type !== 'vm') throw new Error('unreachable: the capability gate refuses containers');
        return createGuest(context, spec, call.signal);
      },
      cloneGuest: (uuid, spec, call) => cloneGuest(context, uuid, spec, call.signal),
      updateGuest: (uuid, patch, call) => updateGuest(context, uuid, patch, call.signal),
      deleteGuest: (uuid, call) => deleteGuest(context, uuid, call.signal),
      ...powerMethods((action, uuid, call) => runPowerAction(context, uuid, action, call.signal)),
      migrateGuest: (uuid, spec, call) => migrateGuest(context, call, uuid, spec),
      getGuestConfig: (uuid, call) => getGuestConfig(context, uuid, call.signal),
      convertToTemplate: (uuid, call) => convertToTemplate(context, uuid, call.signal),
      resizeDisk: (uuid, slot, resize, call) => resizeDisk(context, uuid, slot, resize, call.signal),
      addDisk: (uuid, disk, call) => addDisk(context, uuid, disk, call.signal),
      removeDisk: (uuid, slot, request, call) => removeDisk(context, uuid, slot, request, call.signal),
      addNic: (uuid, nic, call) => addNic(context, uuid, nic, call.signal),
      removeNic: (uuid, slot, call) => removeNic(context, uuid, slot, call.signal),
      getGuestAddresses: (uuid, request, call) => getGuestAddresses(context, uuid, request, call.signal),
      listSnapshots: (uuid, call) => listSnapshots(context, uuid, call.signal),
      createSnapshot: (uuid, spec, call) => createSnapshot(context, uuid, spec, call.signal),
      rollbackSnapshot: (uuid, name, call) => changeSnapshot(context, uuid, name, 'rollback', call.signal),
      deleteSnapshot: (uuid, name, call) => changeSnapshot(context, uuid, name, 'delete', call.signal),
      openConsole: (uuid, request, call) => openConsole(context, tickets, uuid, request, call.signal),
      openConsoleStream: (uuid, _request, call) => openVncConsoleStream(context, tickets, uuid, call),
      getMetrics: (uuid, request, call) => metrics.read(uuid, request, call.signal),
      listOperations: async (query) => operationPageOf(operations.list(), query),
      getOperation: (id, call) => operations.read(id, call.signal),
      waitForOperation: (id, options) => operations.wait(id, options),
      cancelOperation: (id, call) => operations.cancel(id, call.signal),
      watchGuests: (filter, call) => watcher.watch(filter, call.signal),
      close: async () => {
        watcher.close();
        operations.close();
        await target.close();
      },
    },
    {
      attachTerminal: (ticket, options) =>
        attachTerminal(context, tickets, ticket, options).catch((error: unknown) => {
          throw toHypervisorError(error, targetId);
        }),
    },
  ) as LibvirtConnector;
}
