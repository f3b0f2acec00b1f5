import type { Role } from '../domain/roles.js';

/** Who asks: a user (by `users.id`, never the token's subject) or a service token (by its id). */
export interface SubjectRef {
  readonly type: 'user' | 'service';
  readonly id: string;
}

/**
 * What is asked about. A guest belongs to its target, a target to its organisation; a target's id is a name within
 * its organisation, so a target is named by both. That the target exists in that organisation is read from its
 * row: naming an organisation grants nothing.
 */
export type ResourceRef =
  | { readonly type: 'organization'; readonly id: string }
  | { readonly type: 'target'; readonly organizationId: string; readonly id: string }
  | {
      readonly type: 'guest';
      readonly organizationId: string;
      readonly targetId: string;
      readonly id: string;
    };

/** What is asked for. */
export type Permission = 'view' | 'operate' | 'create' | 'delete' | 'manage';

/** The lowest role that holds each permission. */
export const MINIMUM_ROLE: Readonly<Record<Permission, Role>> = {
  view: 'viewer',
  operate: 'operator',
  create: 'operator',
  delete: 'admin',
  manage: 'admin',
};

/** The answer to one check. */
export interface CheckResult {
  readonly allowed: boolean;
  /**
   * Why not: `not_found` when the resource does not exist or belongs to an organisation the subject is not in (so
   * its existence does not leak), `insufficient_role` when the subject's role is too low.
   */
  readonly reason?: 'not_found' | 'insufficient_role';
  /** The organisation that owns the resource, when the subject may know it. */
  readonly organizationId?: string;
}

/** One page of allowed resource ids. */
export interface AllowedPage {
  readonly ids: string[];
  /** Pass back to get the next page; absent on the last one. */
  readonly cursor?: string;
}

/**
 * Decides who may do what. The database implementation serves it today; a relationship-based service can replace
 * it behind this interface.
 */
export interface Authorizer {
  check(subject: SubjectRef, permission: Permission, resource: ResourceRef): Promise<CheckResult>;
  checkMany(
    subject: SubjectRef,
    items: ReadonlyArray<{ readonly permission: Permission; readonly resource: ResourceRef }>,
  ): Promise<CheckResult[]>;
  /**
   * The resources of `type` on which `subject` holds `permission`: organisation ids, or target names written
   * `organizationId/targetId`; ordered by organisation, then target id.
   */
  listAllowed(
    subject: SubjectRef,
    permission: Permission,
    type: 'organization' | 'target',
    options?: { readonly limit?: number; readonly cursor?: string },
  ): Promise<AllowedPage>;
}
