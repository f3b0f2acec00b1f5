import type { Role } from './roles.js';

/** An organisation. */
export interface OrganizationRecord {
  readonly id: string;
  readonly displayName: string;
  readonly createdAt: string;
}

/** A user, identified by `(issuer, subject)`: the identity every organisation shares, nothing more. */
export interface UserRecord {
  readonly id: string;
  readonly issuer: string;
  readonly subject: string;
  readonly createdAt: string;
}

/** Where a membership stands: `invited` grants nothing until the user accepts and it becomes `active`. */
export type MembershipStatus = 'invited' | 'active';

/**
 * A user's membership in one organisation, with the user's identity. Email, name and `disabled` are this
 * organisation's own: no other organisation sees or changes them.
 */
export interface MemberRecord {
  readonly user: UserRecord;
  readonly organizationId: string;
  readonly role: Role;
  readonly email: string;
  readonly displayName: string;
  /** Disabled in this organisation. */
  readonly disabled: boolean;
  readonly status: MembershipStatus;
}

/** A target as stored, without its credentials. */
export interface TargetRecord {
  /** Its name within its organisation: another organisation may use the same one. */
  readonly id: string;
  readonly organizationId: string;
  /**
   * The row's internal key: unique, never reused (a target deleted and made again gets a new one). Connectors are
   * resolved and cached by it, so nothing of one target's connector can reach another. Never shown to clients.
   */
  readonly key: string;
  readonly displayName: string;
  readonly kind: string;
  /** The connector config without credentials. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly hasCredentials: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * A stored target as the resolver takes it (a `TargetDescriptor` of `@hvc/hypervisor-resolver`): its key, its kind
 * and its full config, credentials decrypted (secret).
 */
export interface StoredTarget {
  /** The target's key ({@link TargetRecord.key}). */
  readonly id: string;
  readonly kind: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * Where a service token comes from: the server's configuration (disabled when it leaves it), or issued into the
 * database by `hvc-server bootstrap` (kept until disabled there).
 */
export type ServiceTokenOrigin = 'config' | 'issued';

/** A service token's scope. The token itself is never stored. */
export interface ServiceTokenRecord {
  readonly id: string;
  readonly organizationId: string;
  readonly role: Role;
  readonly tokenSha256: string;
  readonly disabled: boolean;
  readonly origin: ServiceTokenOrigin;
}

/** The actor of an audited call. */
export interface AuditActor {
  readonly type: 'user' | 'service';
  readonly id: string;
}

/** One audited mutating call. */
export interface AuditEvent {
  readonly time: string;
  readonly actor: AuditActor;
  readonly organizationId?: string;
  /** The RPC, e.g. `hvc.v1.GuestService/StartGuest`. */
  readonly action: string;
  readonly targetId?: string;
  readonly guestId?: string;
  readonly outcome: 'ok' | 'error';
  /** The error code when the call failed. */
  readonly errorCode?: string;
  readonly operationId?: string;
  /** The user a member call was about. */
  readonly memberId?: string;
}
