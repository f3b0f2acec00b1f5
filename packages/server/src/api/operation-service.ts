import type { ServiceImpl } from '@connectrpc/connect';
import type { OperationService } from '../gen/hvc/v1/operations_pb.js';
import { accessTarget } from './access.js';
import { watchOperation } from './operation-watch.js';
import { operationToProto } from './proto-mapping.js';
import { noteAudit } from './request-context.js';
import { parseOperationId } from './request-ids.js';
import type { ServiceDeps } from './service-deps.js';

/** The operation service: reads, cancels and watches the operations of a target. */
export function createOperationService(deps: ServiceDeps): ServiceImpl<typeof OperationService> {
  return {
    async getOperation(req, ctx) {
      const operationId = parseOperationId(req.operationId);
      const { connector, targetId } = await accessTarget(deps, ctx, 'view', req.targetId);
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
      const { connector, targetId } = await accessTarget(deps, ctx, 'operate', req.targetId);
      const operation = await connector.cancelOperation(operationId, { signal: ctx.signal });
      noteAudit(ctx, { guestId: operation.guestId });
      return { operation: operationToProto(operation, targetId) };
    },
    async *watchOperation(req, ctx) {
      const operationId = parseOperationId(req.operationId);
      const { connector, targetId } = await accessTarget(deps, ctx, 'view', req.targetId);
      for await (const operation of watchOperation(connector, operationId, ctx.signal)) {
        yield { operation: operationToProto(operation, targetId) };
      }
    },
  };
}
