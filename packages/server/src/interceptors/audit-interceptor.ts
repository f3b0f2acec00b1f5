import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type Interceptor, type UnaryRequest } from '@connectrpc/connect';
import type { AuditActor } from '../domain/records.js';
import type { AuditLog } from '../storage/audit-log.js';
import { AUDIT_KEY, type AuditNote, IAM_KEY } from './request-context.js';

/** The snake_case name of a gRPC code, as the audit log stores it. */
function codeName(code: Code): string {
  return Code[code].replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : `_${c}`)).toLowerCase();
}

/**
 * Records an audit event for every call of a method of `services` that changes something (all but those declared
 * without side effects): who, which method, the organisation, target, guest and operation the handler noted, and
 * the outcome. Other services (health checks, reflection) change nothing and are not recorded. An audit write that
 * fails is reported to `onError` and never changes the call's answer.
 */
export function auditInterceptor(
  audit: AuditLog,
  services: readonly string[],
  onError: (error: unknown) => void,
): Interceptor {
  const audited = new Set(services);
  // Reads and streams pass straight through, without an async frame of their own: they are the hot path.
  return (next) => (req) =>
    req.method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS ||
    req.stream ||
    !audited.has(req.service.typeName)
      ? next(req)
      : auditedCall(next, req);

  async function auditedCall(next: Parameters<Interceptor>[0], req: UnaryRequest) {
    const note: AuditNote = {};
    req.contextValues.set(AUDIT_KEY, note);
    const write = async (outcome: 'ok' | 'error', error?: unknown) => {
      const iam = req.contextValues.get(IAM_KEY);
      let actor: AuditActor = { type: 'user', id: 'unknown' };
      if (iam) {
        const principal = await iam.user().catch(() => undefined);
        const identity = await iam.identity().catch(() => undefined);
        if (principal) actor = { type: principal.kind, id: principal.id };
        else if (identity?.kind === 'oidc')
          actor = { type: 'user', id: `${identity.issuer}#${identity.subject}` };
      }
      await audit
        .record({
          time: new Date().toISOString(),
          actor,
          action: `${req.service.typeName}/${req.method.name}`,
          outcome,
          ...note,
          ...(error === undefined ? {} : { errorCode: codeName(ConnectError.from(error).code) }),
        })
        .catch(onError);
    };
    try {
      const res = await next(req);
      await write('ok');
      return res;
    } catch (error) {
      await write('error', error);
      throw error;
    }
  }
}
