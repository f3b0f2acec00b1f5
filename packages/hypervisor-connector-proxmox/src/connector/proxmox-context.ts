import { OperationChains } from '@hvc/hypervisor-connector-kit';
import type { EndpointSet } from '@hvc/hypervisor-connector-kit/http';
import type { Authenticator } from '../auth/authenticator.js';
import type { ProxmoxConfig } from '../config/config-schema.js';
import { GuestLocator } from '../guests/guest-locator.js';
import { type PreconditionBatches, preconditionBatches } from '../guests/guest-preconditions.js';
import { ListingShapes } from '../guests/listing-shapes.js';
import { SharedGuestListings } from '../guests/shared-guest-listings.js';
import { VmidReservations } from '../guests/vmid-reservations.js';
import { capabilitiesFor } from '../target/capabilities.js';
import { NodeNames } from '../target/node-names.js';
import { RefinedCapabilities } from '../target/refined-capabilities.js';
import { TaskService } from '../tasks/task-service.js';
import { createTaskWaits, type TaskWaits } from '../tasks/task-waits.js';
import type { PveClient } from '../transport/pve-client.js';
import type { PveTransport } from '../transport/pve-transport.js';

/** What every feature of one connector works with. */
export interface ProxmoxContext {
  readonly config: ProxmoxConfig;
  readonly client: PveClient;
  readonly endpoints: EndpointSet;
  /** The credential's headers, for what goes around the client (the console websocket). */
  readonly auth: Authenticator;
  /** Where each guest lives. */
  readonly locator: GuestLocator;
  /** The guest listings concurrent `listGuests` calls share. */
  readonly listings: SharedGuestListings;
  /** A sample of the last listing's objects, kept so that the listing's compiled code outlives a major GC. */
  readonly shapes: ListingShapes;
  /** The precondition reads concurrent calls share. */
  readonly batches: PreconditionBatches;
  readonly tasks: TaskService;
  /** Waits for task operations. */
  readonly taskWaits: TaskWaits;
  /** Operations made of several tasks (a create from a template: clone, configure, resize, start). */
  readonly chains: OperationChains;
  /** The VMIDs this connector has just sent with a create or clone. */
  readonly vmids: VmidReservations;
  readonly nodeNames: NodeNames;
  /** The capabilities refined for the credential: what the gate checks. */
  readonly capabilities: RefinedCapabilities;
  /** `{ target }` when the connector has a target id: the error options every feature passes on. */
  readonly origin: { readonly target?: string };
}

/**
 * Who PVE names as the user of the connector's tasks: the token id, or the user id (`user@realm`) of a ticket login;
 * undefined when a user name without realm leaves it open.
 */
function taskOwner(credentials: ProxmoxConfig['credentials']): string | undefined {
  if (credentials.type === 'token') return credentials.tokenId;
  if (credentials.username.includes('@')) return credentials.username;
  return credentials.realm === undefined ? undefined : `${credentials.username}@${credentials.realm}`;
}

/** The context of one connector over `transport`. */
export function createProxmoxContext(
  config: ProxmoxConfig,
  transport: PveTransport,
  target: string | undefined,
): ProxmoxContext {
  const { client, endpoints } = transport;
  const types = config.guestTypes.map((type) => (type === 'vm' ? 'qemu' : 'lxc'));
  const origin = target === undefined ? {} : { target };
  const tasks = new TaskService(client, config.tasks.noSuchTaskGraceMs, taskOwner(config.credentials));
  const taskWaits = createTaskWaits(client, tasks, config.tasks, origin);
  const shapes = new ListingShapes();
  return {
    config,
    client,
    endpoints,
    auth: transport.auth,
    locator: new GuestLocator(
      client,
      { types, ...(config.pool === undefined ? {} : { pool: config.pool }) },
      target,
      shapes,
    ),
    listings: new SharedGuestListings(() => client.writeEpoch),
    shapes,
    batches: preconditionBatches(client),
    vmids: new VmidReservations(),
    tasks,
    taskWaits,
    chains: new OperationChains({
      idPrefix: 'pve1c.',
      ...origin,
      waitStep: async (operation, signal) =>
        operation.status === 'running' ? taskWaits.wait(operation.id, { signal }) : operation,
      cancelStep: (operationId) => tasks.cancel(tasks.decode(operationId)),
    }),
    nodeNames: new NodeNames(client, endpoints),
    capabilities: new RefinedCapabilities(
      client,
      capabilitiesFor(config.guestTypes),
      config.credentials.type === 'token',
    ),
    origin,
  };
}
