import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import type { OperationSchema } from '@hvc/client/v1';
import type { CallOptions, HypervisorConnector, Operation } from '@hvc/hypervisor-connector';
import type { Permission } from '../authz/authorizer.js';
import { noteAudit } from '../interceptors/request-context.js';
import { operationToProto } from '../wire/proto-mapping.js';
import { accessGuest, type TargetName } from './access.js';
import type { ServiceDeps } from './service-deps.js';

/** The answer of a call that started an operation. */
export interface OperationAnswer {
  readonly operation: MessageInitShape<typeof OperationSchema>;
}

/** Notes a started operation for the audit and answers it. */
export function answerOperation(
  ctx: HandlerContext,
  targetId: string,
  operation: Operation,
): OperationAnswer {
  noteAudit(ctx, { operationId: operation.id });
  return { operation: operationToProto(operation, targetId) };
}

/**
 * The shape of every call that acts on one guest: checks `permission` on the guest (see `accessGuest`), starts the
 * operation with `start` on its connector, notes it for the audit and answers it.
 */
export async function runGuestOperation(
  deps: ServiceDeps,
  ctx: HandlerContext,
  permission: Permission,
  req: TargetName & { readonly guestId: string },
  start: (connector: HypervisorConnector, guestId: string, options: CallOptions) => Promise<Operation>,
): Promise<OperationAnswer> {
  const { connector, targetId, guestId } = await accessGuest(deps, ctx, permission, req);
  return answerOperation(ctx, targetId, await start(connector, guestId, { signal: ctx.signal }));
}
