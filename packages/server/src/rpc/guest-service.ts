import type { ServiceImpl } from '@connectrpc/connect';
import type { GuestService } from '@hvc/client/v1';
import { CloneSpecSchema, GuestPatchSchema, MigrateSpecSchema, parseInput } from '@hvc/hypervisor-connector';
import { ensureGuest } from '@hvc/hypervisor-connector-kit';
import { noteAudit } from '../interceptors/request-context.js';
import { compact } from '../wire/compact.js';
import { ensureResultToProto } from '../wire/ensure-result.js';
import { addressRequestFromProto, guestAddressesToProto } from '../wire/guest-addresses.js';
import { guestConfigToProto } from '../wire/guest-config.js';
import {
  diskAddFromProto,
  diskRemoveFromProto,
  diskResizeFromProto,
  nicAddFromProto,
  parseSlot,
} from '../wire/guest-devices.js';
import { guestFilterFromProto } from '../wire/guest-filter.js';
import { guestSpecFromProto } from '../wire/guest-spec.js';
import { decodePageToken, encodePageToken, pageSizeOf } from '../wire/page-token.js';
import { guestToProto, metricSeriesToProto, metricTimeframeFromProto } from '../wire/proto-mapping.js';
import { answersInBinary } from '../wire/wire-format.js';
import { accessGuest, accessTarget } from './access.js';
import { answerOperation, runGuestOperation } from './guest-operation.js';
import type { ServiceDeps } from './service-deps.js';

type LifecycleAction =
  | 'startGuest'
  | 'stopGuest'
  | 'shutdownGuest'
  | 'rebootGuest'
  | 'resetGuest'
  | 'suspendGuest'
  | 'resumeGuest';

/** The guest service: lists, reads, creates, changes, deletes and drives guests of a target. */
export function createGuestService(deps: ServiceDeps): ServiceImpl<typeof GuestService> {
  function lifecycle(
    action: LifecycleAction,
    req: { targetId: string; organizationId: string; guestId: string },
    ctx: Parameters<ServiceImpl<typeof GuestService>['startGuest']>[1],
  ) {
    return runGuestOperation(deps, ctx, 'operate', req, (connector, id, options) =>
      connector[action](id, options),
    );
  }

  return {
    async listGuests(req, ctx) {
      const pageSize = pageSizeOf(req.pageSize);
      const after = decodePageToken(req.pageToken);
      const filter = guestFilterFromProto(req.filter);
      const { connector, targetId } = await accessTarget(deps, ctx, 'view', req);
      const guests = (await connector.listGuests(filter, { signal: ctx.signal }))
        .filter((g) => after === undefined || g.id > after)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const page = guests.slice(0, pageSize);
      const binary = answersInBinary(ctx);
      return {
        guests: page.map((g) => guestToProto(g, targetId, { binary })),
        nextPageToken: guests.length > pageSize ? encodePageToken(page[page.length - 1]!.id) : '',
      };
    },
    async getGuest(req, ctx) {
      const { connector, targetId, guestId } = await accessGuest(deps, ctx, 'view', req);
      const guest = await connector.getGuest(guestId, { signal: ctx.signal });
      return { guest: guestToProto(guest, targetId, { binary: answersInBinary(ctx) }) };
    },
    async createGuest(req, ctx) {
      const spec = guestSpecFromProto(req.spec);
      const { connector, targetId } = await accessTarget(deps, ctx, 'create', req);
      const operation = await connector.createGuest(spec, { signal: ctx.signal });
      noteAudit(ctx, { guestId: operation.guestId });
      return answerOperation(ctx, targetId, operation);
    },
    async ensureGuest(req, ctx) {
      const spec = guestSpecFromProto(req.spec);
      const { connector, targetId } = await accessTarget(deps, ctx, 'create', req);
      const result = await ensureGuest(connector, spec, { signal: ctx.signal });
      noteAudit(ctx, { guestId: result.guestId });
      const guest = await connector.getGuest(result.guestId, { signal: ctx.signal });
      return ensureResultToProto(result, guest, targetId, { binary: answersInBinary(ctx) });
    },
    async cloneGuest(req, ctx) {
      const spec = parseInput(
        CloneSpecSchema,
        compact({
          name: req.name,
          targetNode: req.targetNode,
          mode: req.mode,
          snapshot: req.snapshot,
          pool: req.pool,
          storage: req.storage,
          description: req.description,
        }),
        'clone spec',
      );
      return runGuestOperation(deps, ctx, 'create', req, (connector, id, options) =>
        connector.cloneGuest(id, spec, options),
      );
    },
    async updateGuest(req, ctx) {
      const input = compact({
        name: req.name,
        cpus: req.cpus,
        memoryMiB: req.memoryMib,
        description: req.description,
        ifMatch: req.ifMatch,
      });
      // An empty list is a real change when the caller says so: it removes every tag.
      if (req.replaceTags) input.tags = [...req.tags];
      const patch = parseInput(GuestPatchSchema, input, 'patch');
      const { connector, targetId, guestId } = await accessGuest(deps, ctx, 'operate', req);
      const operation = await connector.updateGuest(guestId, patch, { signal: ctx.signal });
      return operation ? answerOperation(ctx, targetId, operation) : {};
    },
    async deleteGuest(req, ctx) {
      return runGuestOperation(deps, ctx, 'delete', req, (connector, id, options) =>
        connector.deleteGuest(id, options),
      );
    },
    startGuest: (req, ctx) => lifecycle('startGuest', req, ctx),
    stopGuest: (req, ctx) => lifecycle('stopGuest', req, ctx),
    shutdownGuest: (req, ctx) => lifecycle('shutdownGuest', req, ctx),
    rebootGuest: (req, ctx) => lifecycle('rebootGuest', req, ctx),
    resetGuest: (req, ctx) => lifecycle('resetGuest', req, ctx),
    suspendGuest: (req, ctx) => lifecycle('suspendGuest', req, ctx),
    resumeGuest: (req, ctx) => lifecycle('resumeGuest', req, ctx),
    async migrateGuest(req, ctx) {
      const spec = parseInput(
        MigrateSpecSchema,
        compact({ targetNode: req.targetNode, online: req.online }),
        'migration',
      );
      return runGuestOperation(deps, ctx, 'operate', req, (connector, id, options) =>
        connector.migrateGuest(id, spec, options),
      );
    },
    async getMetrics(req, ctx) {
      const timeframe = metricTimeframeFromProto(req.timeframe);
      const { connector, targetId, guestId } = await accessGuest(deps, ctx, 'view', req);
      const series = await connector.getMetrics(guestId, { timeframe }, { signal: ctx.signal });
      return { series: metricSeriesToProto(series, targetId) };
    },
    async getGuestConfig(req, ctx) {
      const { connector, targetId, guestId } = await accessGuest(deps, ctx, 'view', req);
      const config = await connector.getGuestConfig(guestId, { signal: ctx.signal });
      return { config: guestConfigToProto(config, targetId) };
    },
    async getGuestAddresses(req, ctx) {
      const request = addressRequestFromProto(req.sources);
      const { connector, guestId } = await accessGuest(deps, ctx, 'view', req);
      return guestAddressesToProto(
        await connector.getGuestAddresses(guestId, request, { signal: ctx.signal }),
      );
    },
    convertToTemplate: (req, ctx) =>
      runGuestOperation(deps, ctx, 'operate', req, (connector, id, options) =>
        connector.convertToTemplate(id, options),
      ),
    async resizeDisk(req, ctx) {
      const slot = parseSlot(req.slot);
      const resize = diskResizeFromProto(req);
      return runGuestOperation(deps, ctx, 'operate', req, (connector, id, options) =>
        connector.resizeDisk(id, slot, resize, options),
      );
    },
    async addDisk(req, ctx) {
      const disk = diskAddFromProto(req);
      return runGuestOperation(deps, ctx, 'operate', req, (connector, id, options) =>
        connector.addDisk(id, disk, options),
      );
    },
    async removeDisk(req, ctx) {
      const slot = parseSlot(req.slot);
      const removal = diskRemoveFromProto(req);
      return runGuestOperation(deps, ctx, 'operate', req, (connector, id, options) =>
        connector.removeDisk(id, slot, removal, options),
      );
    },
    async addNic(req, ctx) {
      const nic = nicAddFromProto(req);
      return runGuestOperation(deps, ctx, 'operate', req, (connector, id, options) =>
        connector.addNic(id, nic, options),
      );
    },
    async removeNic(req, ctx) {
      const slot = parseSlot(req.slot);
      return runGuestOperation(deps, ctx, 'operate', req, (connector, id, options) =>
        connector.removeNic(id, slot, options),
      );
    },
  };
}
