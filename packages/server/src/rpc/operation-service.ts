import type { ServiceImpl } from '@connectrpc/connect';
import type { OperationService } from '@hvc/client/v1';
import { OperationQuerySchema } from '@hvc/hypervisor-connector';
import { noteAudit } from '../interceptors/request-context.js';
import { connectorPaging } from '../wire/connector-paging.js';
import { operationFilterFromProto } from '../wire/operation-query.js';
import { parseProtoInput } from '../wire/proto-field-path.js';
import { operationToProto } from '../wire/proto-mapping.js';
import { parseOperationId } from '../wire/request-ids.js';
import { accessTarget } from './access.js';
import { watchOperation } from './operation-watch.js';
import type { ServiceDeps } from './service-deps.js';
import { viewRecheck } from './view-recheck.js';

/** Options of the operation service. */
export interface OperationServiceOptions {
  /** How often an open watch checks again that its caller may still see the target, ms (default 5 s). */
  readonly recheckEveryMs?: number;
}

/**
 * The operation service: lists, reads, cancels and watches the operations of a target. List pages are the
 * connector's; their tokens are bound to the organisation, target and list (see `connectorPaging`).
 */
export function createOperationService(
  deps: ServiceDeps,
  options: OperationServiceOptions = {},
): ServiceImpl<typeof OperationService> {
  const mac = (data: string) => deps.store.pageTokenMac(data);
  return {
    async listOperations(req, ctx) {
      const access = await accessTarget(deps, ctx, 'view', req);
      const paging = connectorPaging(mac, access, 'operations');
      const query = parseProtoInput(
        OperationQuerySchema,
        { ...paging.request(req), ...operationFilterFromProto(req) },
        '',
      );
      const page = await access.connector.listOperations(query, { signal: ctx.signal });
      return {
        operations: page.items.map((operation) => operationToProto(operation, access.targetId)),
        nextPageToken: paging.next(page.nextPageToken),
      };
    },
    async getOperation(req, ctx) {
      const operationId = parseOperationId(req.operationId);
      const { connector, targetId } = await accessTarget(deps, ctx, 'view', req);
      return {
        operation: operationToProto(
          await connector.getOperation(operationId, { signal: ctx.signal }),
          targetId,
        ),
      };
    },
    async cancelOperation(req, ctx) {
      const operationId = parseOperationId(req.operationId);
      noteAudit(ctx, { operationId });
      const { connector, targetId } = await accessTarget(deps, ctx, 'operate', req);
      const operation = await connector.cancelOperation(operationId, { signal: ctx.signal });
      noteAudit(ctx, { guestId: operation.guestId });
      return { operation: operationToProto(operation, targetId) };
    },
    async *watchOperation(req, ctx) {
      const operationId = parseOperationId(req.operationId);
      const access = await accessTarget(deps, ctx, 'view', req);
      const { connector, targetId } = access;
      const recheck = viewRecheck(deps, access, options.recheckEveryMs ?? 5_000);
      for await (const operation of watchOperation(connector, operationId, ctx.signal, recheck)) {
        yield { operation: operationToProto(operation, targetId) };
      }
    },
  };
}
