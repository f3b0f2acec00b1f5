import {
  type CallOptions,
  type Capabilities,
  type CloneSpecInput,
  CloneSpecSchema,
  ConflictError,
  type ConsoleRequest,
  ConsoleRequestSchema,
  type ConsoleTicket,
  type Guest,
  type GuestFilter,
  GuestFilterSchema,
  type GuestPatch,
  GuestPatchSchema,
  type GuestSpecInput,
  GuestSpecSchema,
  type HostNode,
  type HypervisorConnector,
  InvalidArgumentError,
  isHypervisorError,
  type MetricSeries,
  type MetricsRequestInput,
  MetricsRequestSchema,
  type MigrateSpec,
  MigrateSpecSchema,
  type Operation,
  type OperationType,
  parseInput,
  type Snapshot,
  SnapshotNameSchema,
  type SnapshotSpecInput,
  SnapshotSpecSchema,
  SPECIFICATION_VERSION,
  type TargetInfo,
  UnavailableError,
  UnsupportedOperationError,
  WaitLimitsSchema,
  type WaitOptions,
} from '@hvc/hypervisor-connector';
import { requireCapability } from '@hvc/hypervisor-connector-kit';
import { z } from 'zod';
import type { Authenticator } from '../auth/authenticator.js';
import type { ProxmoxConfig } from '../config/config-schema.js';
import { guestIdOf, type PveGuestRef, parseGuestId } from '../mapping/guest-id.js';
import { guestFromResource, guestFromStatus, vmidOf } from '../mapping/guest-mapping.js';
import { cloneParams, containerCreateParams, patchParams, vmCreateParams } from '../mapping/guest-params.js';
import { metricSeriesFromPve } from '../mapping/metrics-mapping.js';
import { hostNodeFromPve } from '../mapping/node-mapping.js';
import { proxmoxParams } from '../mapping/provider-options.js';
import { snapshotsFromPve } from '../mapping/snapshot-mapping.js';
import { PvePermissionsSchema } from '../schemas/access.js';
import { PveClusterStatusItemSchema, PveVersionSchema } from '../schemas/cluster.js';
import {
  PveConsoleProxySchema,
  PveGuestConfigSchema,
  PveGuestStatusSchema,
  PveSnapshotSchema,
} from '../schemas/guests.js';
import { PveNodeSchema, PveRrdPointSchema } from '../schemas/nodes.js';
import { decodeOperationId, type OperationRef } from '../tasks/operation-id.js';
import { TaskService } from '../tasks/task-service.js';
import { waitForTask } from '../tasks/task-waiter.js';
import type { EndpointSet } from '../transport/endpoint-set.js';
import { type PveParams, pvePath } from '../transport/form-encoding.js';
import type { PveClient } from '../transport/pve-client.js';
import type { PveHttpRequest } from '../transport/pve-http.js';
import { capabilitiesFor, refineCapabilities } from './capabilities.js';
import { GuestLocator } from './guest-locator.js';
import {
  type GuestCheck,
  guestPreconditions,
  type PreconditionBatches,
  preconditionBatches,
} from './guest-preconditions.js';
import { withFreshVmid } from './vmid-allocator.js';

const UpidSchema = z.string().startsWith('UPID:');
/** How long refined capabilities are trusted before `/access/permissions` is read again. */
const CAPABILITIES_TTL_MS = 60_000;
const NodesSchema = z.array(PveNodeSchema);
const ClusterStatusSchema = z.array(PveClusterStatusItemSchema);

/** What the connector is built from (see `createProxmoxConnector`). */
export interface ProxmoxConnectorParts {
  readonly config: ProxmoxConfig;
  readonly client: PveClient;
  readonly auth: Authenticator;
  readonly endpoints: EndpointSet;
  readonly target?: string;
}

/** Options of {@link ProxmoxConnector.raw}. */
export interface RawCallOptions<S extends z.ZodType | undefined = undefined> extends CallOptions {
  /** Parse `data` with this schema (e.g. one of `PVE_RESPONSE_SCHEMAS`). */
  readonly schema?: S;
  /** Send the call to this node's endpoint first. */
  readonly node?: string;
}

type PowerAction = 'start' | 'stop' | 'shutdown' | 'reboot' | 'reset' | 'suspend' | 'resume';

/**
 * The Proxmox VE connector (spec v1): QEMU VMs and LXC containers of one PVE cluster or node, guest ids
 * `qemu/<vmid>` and `lxc/<vmid>`. Long-running calls return an operation whose id carries the task's UPID.
 */
export class ProxmoxConnector implements HypervisorConnector {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly kind = 'proxmox';
  readonly capabilities: Capabilities;

  readonly #config: ProxmoxConfig;
  readonly #client: PveClient;
  readonly #auth: Authenticator;
  readonly #endpoints: EndpointSet;
  readonly #target: string | undefined;
  readonly #locator: GuestLocator;
  readonly #tasks: TaskService;
  readonly #batches: PreconditionBatches;
  #closed = false;
  #nodeNamesAsked = false;
  #refined: { readonly capabilities: Capabilities; readonly at: number } | undefined;

  constructor(parts: ProxmoxConnectorParts) {
    this.#config = parts.config;
    this.#client = parts.client;
    this.#auth = parts.auth;
    this.#endpoints = parts.endpoints;
    this.#target = parts.target;
    this.capabilities = capabilitiesFor(parts.auth.kind, parts.config.guestTypes);
    const types = parts.config.guestTypes.map((type) => (type === 'vm' ? 'qemu' : 'lxc'));
    this.#locator = new GuestLocator(
      parts.client,
      { types, ...(parts.config.pool === undefined ? {} : { pool: parts.config.pool }) },
      parts.target,
    );
    this.#tasks = new TaskService(parts.client, parts.config.tasks.noSuchTaskGraceMs);
    this.#batches = preconditionBatches(parts.client);
  }

  async describe(options: CallOptions = {}): Promise<TargetInfo> {
    this.#open();
    const call = this.#callOptions(options);
    const [version, cluster, nodes, permissions] = await Promise.all([
      this.#client.get('/version', undefined, PveVersionSchema, call),
      this.#client.get('/cluster/status', undefined, ClusterStatusSchema, call).catch(this.#optional),
      this.#client.get('/nodes', undefined, NodesSchema, call),
      this.#client.get('/access/permissions', undefined, PvePermissionsSchema, call).catch(this.#optional),
    ]);
    if (cluster) this.#learnNodes(cluster);
    const clusterEntry = cluster?.find((item) => item.type === 'cluster');
    const capabilities = this.#refine(permissions);
    return {
      kind: this.kind,
      specificationVersion: this.specificationVersion,
      version: version.version,
      ...(clusterEntry?.name ? { clusterName: clusterEntry.name } : {}),
      nodes: nodes.map(hostNodeFromPve),
      capabilities,
      raw: { version, ...(cluster ? { cluster } : {}) },
    };
  }

  async listNodes(options: CallOptions = {}): Promise<HostNode[]> {
    this.#open();
    const nodes = await this.#client.get('/nodes', undefined, NodesSchema, this.#callOptions(options));
    return nodes.map(hostNodeFromPve).sort((a, b) => a.name.localeCompare(b.name));
  }

  async listGuests(filter: GuestFilter = {}, options: CallOptions = {}): Promise<Guest[]> {
    this.#open();
    const f = parseInput(GuestFilterSchema, filter, 'guest filter');
    const items = await this.#locator.guests(options.signal);
    // Sorted on the items' numeric VMIDs, read once each, before mapping.
    items.sort((a, b) => vmidOf(a) - vmidOf(b));
    const tags = f.tags ?? [];
    const guests: Guest[] = [];
    for (const item of items) {
      const guest = guestFromResource(item);
      if (
        (f.type === undefined || guest.type === f.type) &&
        (f.node === undefined || guest.node === f.node) &&
        (f.state === undefined || guest.state === f.state) &&
        (f.pool === undefined || guest.pool === f.pool) &&
        (f.namePrefix === undefined || guest.name.startsWith(f.namePrefix)) &&
        (f.templates !== false || !guest.template) &&
        (tags.length === 0 || tags.every((tag) => guest.tags.includes(tag)))
      ) {
        guests.push(guest);
      }
    }
    return guests;
  }

  async getGuest(guestId: string, options: CallOptions = {}): Promise<Guest> {
    this.#open();
    const ref = parseGuestId(guestId);
    return this.#onGuest(ref, options, async (node, pool) => {
      const call = { node, ...this.#callOptions(options) };
      const base = this.#guestPath(ref, node);
      const [status, config] = await Promise.all([
        this.#client.get(`${base}/status/current`, undefined, PveGuestStatusSchema, call),
        this.#client.get(`${base}/config`, undefined, PveGuestConfigSchema, call),
      ]);
      return guestFromStatus(ref.type, node, status, config, pool);
    });
  }

  async createGuest(spec: GuestSpecInput, options: CallOptions = {}): Promise<Operation> {
    this.#open();
    const parsed = parseInput(GuestSpecSchema, spec, 'guest spec');
    const capabilities = await this.#capabilities(options);
    requireCapability(capabilities, 'create', this.#targetOptions());
    requireCapability(capabilities, `guestTypes.${parsed.type}`, this.#targetOptions());
    const type = parsed.type === 'vm' ? 'qemu' : 'lxc';
    const node = parsed.node ?? (await this.#pickNode(options));
    const { defaultStorage, pool } = this.#config;
    return withFreshVmid(
      this.#client,
      async (vmid) => {
        const params =
          parsed.type === 'vm'
            ? vmCreateParams(parsed, vmid, defaultStorage, pool)
            : containerCreateParams(parsed, vmid, defaultStorage, pool);
        const upid = await this.#write('POST', pvePath('nodes', node, type), params, node, options);
        const guestId = guestIdOf(type, vmid);
        this.#locator.remember(guestId, {
          node,
          ...((parsed.pool ?? pool) ? { pool: parsed.pool ?? pool } : {}),
        });
        return this.#tasks.started({ type: 'create', guestId, upid });
      },
      options.signal,
    );
  }

  async cloneGuest(
    guestId: string,
    spec: CloneSpecInput = {},
    options: CallOptions = {},
  ): Promise<Operation> {
    this.#open();
    const ref = parseGuestId(guestId);
    const parsed = parseInput(CloneSpecSchema, spec, 'clone spec');
    requireCapability(
      await this.#capabilities(options),
      parsed.mode === 'full' ? 'clone.full' : 'clone.linked',
      this.#targetOptions(),
    );
    return this.#onGuest(ref, options, async (node) => {
      if (
        parsed.mode === 'linked' &&
        !(await guestPreconditions.status(this.#check(ref, node, options))).template
      ) {
        throw new ConflictError(`a linked clone needs a template: ${ref.id} is none`, {
          ...this.#targetOptions(),
          retryable: false,
          details: { guestId: ref.id },
        });
      }
      return withFreshVmid(
        this.#client,
        async (newid) => {
          const params = cloneParams(ref.type, parsed, newid, this.#config.pool);
          const upid = await this.#write(
            'POST',
            `${this.#guestPath(ref, node)}/clone`,
            params,
            node,
            options,
          );
          const cloneId = guestIdOf(ref.type, newid);
          const pool = parsed.pool ?? this.#config.pool;
          this.#locator.remember(cloneId, { node: parsed.targetNode ?? node, ...(pool ? { pool } : {}) });
          return this.#tasks.started({ type: 'clone', guestId: cloneId, upid });
        },
        options.signal,
      );
    });
  }

  async updateGuest(
    guestId: string,
    patch: GuestPatch,
    options: CallOptions = {},
  ): Promise<Operation | undefined> {
    this.#open();
    const ref = parseGuestId(guestId);
    const parsed = parseInput(GuestPatchSchema, patch, 'guest patch');
    requireCapability(await this.#capabilities(options), 'update', this.#targetOptions());
    return this.#onGuest(ref, options, async (node) => {
      await this.#client.call(
        'PUT',
        `${this.#guestPath(ref, node)}/config`,
        patchParams(ref.type, parsed),
        undefined,
        {
          node,
          ...this.#callOptions(options),
        },
      );
      return undefined;
    });
  }

  async deleteGuest(guestId: string, options: CallOptions = {}): Promise<Operation> {
    this.#open();
    const ref = parseGuestId(guestId);
    return this.#onGuest(ref, options, async (node) => {
      await guestPreconditions.idle(this.#check(ref, node, options));
      const upid = await this.#write(
        'DELETE',
        this.#guestPath(ref, node),
        { purge: true, 'destroy-unreferenced-disks': true },
        node,
        options,
      );
      this.#locator.forget(ref.id);
      return this.#tasks.started({ type: 'delete', guestId: ref.id, upid });
    });
  }

  startGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#power(guestId, 'start', options);
  }

  stopGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#power(guestId, 'stop', options);
  }

  shutdownGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#power(guestId, 'shutdown', options);
  }

  rebootGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#power(guestId, 'reboot', options);
  }

  resetGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#power(guestId, 'reset', options);
  }

  suspendGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#power(guestId, 'suspend', options);
  }

  resumeGuest(guestId: string, options?: CallOptions): Promise<Operation> {
    return this.#power(guestId, 'resume', options);
  }

  async migrateGuest(guestId: string, spec: MigrateSpec, options: CallOptions = {}): Promise<Operation> {
    this.#open();
    const ref = parseGuestId(guestId);
    const parsed = parseInput(MigrateSpecSchema, spec, 'migrate spec');
    return this.#onGuest(ref, options, async (node, pool) => {
      const check = this.#check(ref, node, options);
      await guestPreconditions.idle(check);
      const status = await guestPreconditions.status(check);
      const running = status.status === 'running';
      const online = parsed.online ?? running;
      if (online && ref.type === 'lxc') {
        throw new UnsupportedOperationError(
          'migration.live',
          'unsupported: migration.live (containers cannot migrate live; stop it or migrate with online: false to restart it)',
          this.#targetOptions(),
        );
      }
      requireCapability(
        await this.#capabilities(options),
        online ? 'migration.live' : 'migration.offline',
        this.#targetOptions(),
      );
      const params: PveParams = {
        target: parsed.targetNode,
        ...(ref.type === 'qemu' && running ? { online: true } : {}),
        ...(ref.type === 'lxc' && running ? { restart: true } : {}),
        ...proxmoxParams(parsed.providerOptions, 'providerOptions'),
      };
      const upid = await this.#write('POST', `${this.#guestPath(ref, node)}/migrate`, params, node, options);
      this.#locator.remember(ref.id, { node: parsed.targetNode, ...(pool ? { pool } : {}) });
      return this.#tasks.started({ type: 'migrate', guestId: ref.id, upid });
    });
  }

  async listSnapshots(guestId: string, options: CallOptions = {}): Promise<Snapshot[]> {
    this.#open();
    const ref = parseGuestId(guestId);
    requireCapability(await this.#capabilities(options), 'snapshots', this.#targetOptions());
    return this.#onGuest(ref, options, async (node) => {
      const items = await this.#client.get(
        `${this.#guestPath(ref, node)}/snapshot`,
        undefined,
        z.array(PveSnapshotSchema),
        { node, ...this.#callOptions(options) },
      );
      return snapshotsFromPve(items);
    });
  }

  async createSnapshot(
    guestId: string,
    spec: SnapshotSpecInput,
    options: CallOptions = {},
  ): Promise<Operation> {
    this.#open();
    const ref = parseGuestId(guestId);
    const parsed = parseInput(SnapshotSpecSchema, spec, 'snapshot spec');
    requireCapability(await this.#capabilities(options), 'snapshots', this.#targetOptions());
    if (parsed.includeMemory) {
      requireCapability(await this.#capabilities(options), 'memorySnapshots', this.#targetOptions());
      if (ref.type === 'lxc') {
        throw new UnsupportedOperationError(
          'memorySnapshots',
          'unsupported: memorySnapshots (containers have no memory snapshots)',
          this.#targetOptions(),
        );
      }
    }
    return this.#onGuest(ref, options, async (node) => {
      const check = this.#check(ref, node, options);
      await guestPreconditions.idle(check);
      await guestPreconditions.snapshot(check, parsed.name, false);
      const params: PveParams = {
        snapname: parsed.name,
        description: parsed.description,
        ...(ref.type === 'qemu' ? { vmstate: parsed.includeMemory } : {}),
      };
      const upid = await this.#write('POST', `${this.#guestPath(ref, node)}/snapshot`, params, node, options);
      return this.#tasks.started({ type: 'snapshot.create', guestId: ref.id, upid });
    });
  }

  async rollbackSnapshot(guestId: string, name: string, options: CallOptions = {}): Promise<Operation> {
    return this.#snapshotAction(guestId, name, 'rollback', options);
  }

  async deleteSnapshot(guestId: string, name: string, options: CallOptions = {}): Promise<Operation> {
    return this.#snapshotAction(guestId, name, 'delete', options);
  }

  async openConsole(
    guestId: string,
    request: ConsoleRequest,
    options: CallOptions = {},
  ): Promise<ConsoleTicket> {
    this.#open();
    const ref = parseGuestId(guestId);
    const { protocol } = parseInput(ConsoleRequestSchema, request, 'console request');
    requireCapability(await this.#capabilities(options), `console.${protocol}`, this.#targetOptions());
    if (protocol === 'spice' && ref.type === 'lxc') {
      throw new UnsupportedOperationError(
        'console.spice',
        'unsupported: console.spice (VMs only)',
        this.#targetOptions(),
      );
    }
    return this.#onGuest(ref, options, async (node) => {
      const path = this.#guestPath(ref, node);
      const call = { node, ...this.#callOptions(options) };
      const endpoint = protocol === 'vnc' ? 'vncproxy' : 'termproxy';
      const proxy = await this.#client.call(
        'POST',
        `${path}/${endpoint}`,
        protocol === 'vnc' ? { websocket: true } : undefined,
        PveConsoleProxySchema,
        call,
      );
      const { ticket, password, ...rest } = proxy;
      const origin = this.#endpoints.order(node, Date.now())[0]?.url ?? '';
      return {
        protocol,
        guestId: ref.id,
        node,
        ticket,
        ...(password ? { password } : {}),
        port: proxy.port,
        websocketUrl: `${origin.replace(/^https:/, 'wss:')}/api2/json${path}/vncwebsocket?port=${proxy.port}`,
        ...(proxy.user ? { user: proxy.user } : {}),
        raw: rest,
      };
    });
  }

  async getMetrics(
    guestId: string,
    request: MetricsRequestInput = {},
    options: CallOptions = {},
  ): Promise<MetricSeries> {
    this.#open();
    const ref = parseGuestId(guestId);
    const { timeframe } = parseInput(MetricsRequestSchema, request, 'metrics request');
    requireCapability(await this.#capabilities(options), 'metrics', this.#targetOptions());
    return this.#onGuest(ref, options, async (node) => {
      const points = await this.#client.get(
        `${this.#guestPath(ref, node)}/rrddata`,
        { timeframe, cf: 'AVERAGE' },
        z.array(PveRrdPointSchema),
        { node, ...this.#callOptions(options) },
      );
      return metricSeriesFromPve(ref.id, timeframe, points);
    });
  }

  async getOperation(operationId: string, options: CallOptions = {}): Promise<Operation> {
    this.#open();
    const ref = this.#operationRef(operationId);
    return this.#tasks.get(ref, options.signal);
  }

  async waitForOperation(operationId: string, options: WaitOptions = {}): Promise<Operation> {
    this.#open();
    const ref = this.#operationRef(operationId);
    parseInput(WaitLimitsSchema, { timeoutMs: options.timeoutMs }, 'wait options');
    return waitForTask(this.#tasks, ref, operationId, this.#config.tasks, {
      ...options,
      ...(this.#target === undefined ? {} : { target: this.#target }),
    });
  }

  async cancelOperation(operationId: string, options: CallOptions = {}): Promise<Operation> {
    this.#open();
    const ref = this.#operationRef(operationId);
    requireCapability(await this.#capabilities(options), 'cancelOperation', this.#targetOptions());
    return this.#tasks.cancel(ref, options.signal);
  }

  /**
   * Calls any PVE API endpoint: the escape hatch for what the contract does not cover. `path` is relative to
   * `/api2/json` (e.g. `/nodes/pve1/storage`); GET reads are retried like the connector's own, writes are sent
   * once. Returns `data`, parsed with `options.schema` when given.
   */
  async raw<S extends z.ZodType | undefined = undefined>(
    method: PveHttpRequest['method'],
    path: string,
    params?: PveParams,
    options: RawCallOptions<S> = {},
  ): Promise<S extends z.ZodType ? z.output<S> : unknown> {
    this.#open();
    if (!['GET', 'POST', 'PUT', 'DELETE'].includes(method)) {
      throw new InvalidArgumentError('invalid method: PVE knows GET, POST, PUT and DELETE', {
        violations: [{ field: 'method', message: 'not GET, POST, PUT or DELETE' }],
      });
    }
    if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(path) || path.split('/').includes('..')) {
      throw new InvalidArgumentError('invalid path: an API path such as /nodes/pve1/storage', {
        violations: [{ field: 'path', message: 'not an API path' }],
      });
    }
    return this.#client.call(method, path, params, options.schema as z.ZodType | undefined, {
      ...(options.node === undefined ? {} : { node: options.node }),
      ...this.#callOptions(options),
    }) as Promise<S extends z.ZodType ? z.output<S> : unknown>;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#auth.close();
    await this.#endpoints.close(this.#config.timeouts.requestMs);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #power(guestId: string, action: PowerAction, options: CallOptions = {}): Promise<Operation> {
    this.#open();
    const ref = parseGuestId(guestId);
    if (action === 'reset') {
      requireCapability(await this.#capabilities(options), 'reset', this.#targetOptions());
      if (ref.type === 'lxc') {
        throw new UnsupportedOperationError(
          'reset',
          'unsupported: reset (containers cannot be reset)',
          this.#targetOptions(),
        );
      }
    }
    if (action === 'suspend' || action === 'resume') {
      requireCapability(await this.#capabilities(options), 'suspend', this.#targetOptions());
      if (ref.type === 'lxc') {
        throw new UnsupportedOperationError(
          'suspend',
          "unsupported: suspend (PVE's container freeze does not show in the container's status)",
          this.#targetOptions(),
        );
      }
    }
    return this.#onGuest(ref, options, async (node) => {
      const check = this.#check(ref, node, options);
      // Both reads at once; a busy guest is reported before a wrong state, as when they ran one after the other.
      await inOrder([
        action === 'stop' ? undefined : guestPreconditions.idle(check),
        action === 'start' ? guestPreconditions.inState(check, ['stopped', 'suspended'], 'start') : undefined,
        action === 'resume'
          ? guestPreconditions.inState(check, ['paused', 'suspended'], 'resume')
          : undefined,
      ]);
      const upid = await this.#write(
        'POST',
        `${this.#guestPath(ref, node)}/status/${action}`,
        undefined,
        node,
        options,
      );
      return this.#tasks.started({ type: action as OperationType, guestId: ref.id, upid });
    });
  }

  async #snapshotAction(
    guestId: string,
    name: string,
    action: 'rollback' | 'delete',
    options: CallOptions,
  ): Promise<Operation> {
    this.#open();
    const ref = parseGuestId(guestId);
    const snapshot = parseInput(SnapshotNameSchema, name, 'snapshot name');
    requireCapability(await this.#capabilities(options), 'snapshots', this.#targetOptions());
    return this.#onGuest(ref, options, async (node) => {
      const check = this.#check(ref, node, options);
      await guestPreconditions.idle(check);
      await guestPreconditions.snapshot(check, snapshot, true);
      const path = `${this.#guestPath(ref, node)}/snapshot/${encodeURIComponent(snapshot)}`;
      const upid =
        action === 'rollback'
          ? await this.#write('POST', `${path}/rollback`, undefined, node, options)
          : await this.#write('DELETE', path, undefined, node, options);
      return this.#tasks.started({
        type: action === 'rollback' ? 'snapshot.rollback' : 'snapshot.delete',
        guestId: ref.id,
        upid,
      });
    });
  }

  /**
   * Runs `action` against the guest's node. When PVE says the guest does not exist there and the node came from
   * the cache, the guest may have moved: look it up again and, if it now lives elsewhere, run once more there (the
   * refusal was synchronous, so nothing was done).
   */
  async #onGuest<T>(
    ref: PveGuestRef,
    options: CallOptions,
    action: (node: string, pool: string | undefined) => Promise<T>,
  ): Promise<T> {
    if (this.#endpoints.needsNodeNames && !this.#nodeNamesAsked) {
      this.#nodeNamesAsked = true;
      const cluster = await this.#client
        .get('/cluster/status', undefined, ClusterStatusSchema, this.#callOptions(options))
        .catch(() => undefined);
      if (cluster) this.#learnNodes(cluster);
    }
    const wasCached = this.#locator.isCached(ref.id);
    const location = await this.#locator.locate(ref, options.signal);
    try {
      return await action(location.node, location.pool);
    } catch (error) {
      if (!isHypervisorError(error, 'NOT_FOUND') || !wasCached) throw this.#guestError(error, ref);
      const fresh = await this.#locator.locate(ref, options.signal, true);
      if (fresh.node === location.node) throw this.#guestError(error, ref);
      return action(fresh.node, fresh.pool);
    }
  }

  /** A PVE "configuration file does not exist" about this guest is the guest's NOT_FOUND. */
  #guestError(error: unknown, ref: PveGuestRef): unknown {
    if (isHypervisorError(error, 'NOT_FOUND') && /Configuration file/.test(error.message)) {
      this.#locator.forget(ref.id);
      return this.#locator.notFound(ref);
    }
    return error;
  }

  async #write(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    params: PveParams | undefined,
    node: string,
    options: CallOptions,
  ): Promise<string> {
    return this.#client.call(method, path, params, UpidSchema, { node, ...this.#callOptions(options) });
  }

  async #pickNode(options: CallOptions): Promise<string> {
    const nodes = await this.#client.get('/nodes', undefined, NodesSchema, this.#callOptions(options));
    const online = nodes
      .filter((node) => node.status === 'online')
      .sort(
        (a, b) =>
          (b.maxmem ?? 0) - (b.mem ?? 0) - ((a.maxmem ?? 0) - (a.mem ?? 0)) || a.node.localeCompare(b.node),
      );
    const chosen = online[0];
    if (!chosen) throw new UnavailableError('no node of the cluster is online', this.#targetOptions());
    return chosen.node;
  }

  #operationRef(operationId: string): OperationRef & { task: ReturnType<typeof decodeOperationId>['task'] } {
    return decodeOperationId(operationId);
  }

  /**
   * The capabilities refined for this credential, read from `/access/permissions` at most once a minute, so a call
   * the credential cannot make throws UNSUPPORTED before anything is sent.
   */
  async #capabilities(options: CallOptions): Promise<Capabilities> {
    if (this.#refined && Date.now() - this.#refined.at < CAPABILITIES_TTL_MS)
      return this.#refined.capabilities;
    const permissions = await this.#client
      .get('/access/permissions', undefined, PvePermissionsSchema, this.#callOptions(options))
      .catch(this.#optional);
    return this.#refine(permissions);
  }

  #refine(permissions: z.output<typeof PvePermissionsSchema> | undefined): Capabilities {
    const capabilities = permissions
      ? refineCapabilities(
          this.capabilities,
          new Set(Object.values(permissions).flatMap((privileges) => Object.keys(privileges))),
        )
      : this.capabilities;
    this.#refined = { capabilities, at: Date.now() };
    return capabilities;
  }

  #learnNodes(
    cluster: readonly { type: string; name?: string | undefined; ip?: string | undefined }[],
  ): void {
    this.#endpoints.learnNodes(
      cluster.flatMap((item) =>
        item.type === 'node' && item.name ? [{ name: item.name, ip: item.ip }] : [],
      ),
    );
  }

  #check(ref: PveGuestRef, node: string, options: CallOptions): GuestCheck {
    return {
      client: this.#client,
      batches: this.#batches,
      ref,
      node,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(this.#target === undefined ? {} : { target: this.#target }),
    };
  }

  #guestPath(ref: PveGuestRef, node: string): string {
    return pvePath('nodes', node, ref.type, ref.vmid);
  }

  #callOptions(options: CallOptions): { signal?: AbortSignal } {
    return options.signal === undefined ? {} : { signal: options.signal };
  }

  #targetOptions(): { target?: string } {
    return this.#target === undefined ? {} : { target: this.#target };
  }

  #optional = (error: unknown): undefined => {
    // Audit-only extras (cluster status, permissions) may be denied to a narrow credential or missing.
    const optional = ['PERMISSION_DENIED', 'UNSUPPORTED', 'NOT_FOUND'] as const;
    if (optional.some((code) => isHypervisorError(error, code))) return undefined;
    throw error;
  };

  #open(): void {
    if (this.#closed)
      throw new UnavailableError('the connector is closed', { ...this.#targetOptions(), retryable: false });
  }
}

/** Waits for every check, then throws the first failure in the order given. */
async function inOrder(checks: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const outcomes = await Promise.allSettled(checks);
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
}
