import { createContextKey, type HandlerContext } from '@connectrpc/connect';
import { UnauthenticatedError } from '@hvc/hypervisor-connector';
import type { IamContext, Principal } from '../authn/iam-context.js';
import type { SubjectRef } from '../authz/authorizer.js';
import type { UserRecord } from '../domain/records.js';

/** The request's IAM context, set by the HTTP layer after the token was verified. */
export const IAM_KEY = createContextKey<IamContext | undefined>(undefined, {
  description: 'hvc iam context',
});

/** What the audit interceptor records about a call; handlers fill in what they learn. */
export interface AuditNote {
  organizationId?: string;
  targetId?: string;
  guestId?: string;
  operationId?: string;
  /** The user a member call was about. */
  memberId?: string;
}

/** The audit note of the current call. */
export const AUDIT_KEY = createContextKey<AuditNote | undefined>(undefined, {
  description: 'hvc audit note',
});

/** The acting principal of a call, loaded from the database (PERMISSION_DENIED when unknown or disabled). */
export async function principalOf(ctx: HandlerContext): Promise<Principal> {
  const iam = ctx.values.get(IAM_KEY);
  if (!iam) throw new UnauthenticatedError('authentication required');
  return iam.user();
}

/** The caller's user row, active member or not: for answering their own invitations. */
export async function accountOf(ctx: HandlerContext): Promise<UserRecord> {
  const iam = ctx.values.get(IAM_KEY);
  if (!iam) throw new UnauthenticatedError('authentication required');
  return iam.account();
}

/** The authorization subject of a principal. */
export function subjectOf(principal: Principal): SubjectRef {
  return { type: principal.kind, id: principal.id };
}

/** Adds what a handler learnt to the call's audit note. */
export function noteAudit(ctx: HandlerContext, note: AuditNote): void {
  const current = ctx.values.get(AUDIT_KEY);
  if (current) Object.assign(current, note);
}
