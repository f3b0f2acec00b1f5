import type { Generated } from 'kysely';

/** An organisation: it owns targets and has members. */
export interface OrganizationTable {
  id: string;
  display_name: string;
  created_at: string;
}

/**
 * A person or client known by an OIDC issuer and subject: an identity only, shared by every organisation, so it
 * holds nothing one organisation says about the user.
 */
export interface UserTable {
  id: string;
  issuer: string;
  subject: string;
  created_at: string;
}

/** A user's membership in one organisation: the role, and what this organisation alone says about the user. */
export interface MembershipTable {
  user_id: string;
  organization_id: string;
  role: string;
  /** As this organisation's admins entered it. */
  email: string;
  display_name: string;
  /** 1 when disabled in this organisation. */
  disabled: number;
  /** `invited` until the user accepts, then `active`. Only active, enabled memberships grant anything. */
  status: string;
  created_at: string;
}

/**
 * A hypervisor target owned by an organisation, named by `id` within it (the primary key is both). `key` is the
 * row's own internal name: unique, never reused, what the resolver caches the target's connector by and what its
 * credentials are bound to. `credentials` is AES-256-GCM ciphertext.
 */
export interface TargetTable {
  organization_id: string;
  id: string;
  key: string;
  display_name: string;
  kind: string;
  /** The connector config without credentials, as JSON. */
  config: string;
  credentials: string | null;
  created_at: string;
  updated_at: string;
}

/** A static service token, scoped to one organisation and role. Only the SHA-256 of the token is kept. */
export interface ServiceTokenTable {
  id: string;
  organization_id: string;
  role: string;
  /** Hex SHA-256 of the whole token. */
  token_sha256: string;
  disabled: number;
  created_at: string;
  /** `config` (from the server's configuration) or `issued` (by `hvc-server bootstrap`). */
  origin: string;
}

/** One mutating call: who, what, where, and how it ended. */
export interface AuditEventTable {
  id: Generated<number>;
  time: string;
  actor_type: string;
  actor_id: string;
  organization_id: string | null;
  action: string;
  target_id: string | null;
  guest_id: string | null;
  outcome: string;
  error_code: string | null;
  operation_id: string | null;
  /** The user a member call was about. */
  member_id: string | null;
}

/**
 * An idempotency key of one organisation: the request it was first used with (as an HMAC, never the request) and
 * what became of it. `state` is `running` while one replica holds the lease (`lease_owner` until `lease_until`),
 * then `completed` with the recorded answer. A row past `expires_at` counts as absent.
 */
export interface IdempotencyKeyTable {
  organization_id: string;
  idempotency_key: string;
  method: string;
  /** Hex HMAC-SHA256 of the canonical request: method, caller and message. */
  request_hmac: string;
  state: string;
  lease_owner: string | null;
  lease_until: string | null;
  /** The recorded answer as JSON: the response message (base64 protobuf) or the error. */
  response: string | null;
  operation_id: string | null;
  created_at: string;
  expires_at: string;
}

/**
 * A single-use console proxy ticket: the SHA-256 of the token handed to the caller (never the token), what it
 * opens, who minted it, and when it was used (and by which replica).
 */
export interface ConsoleTicketTable {
  token_sha256: string;
  organization_id: string;
  target_id: string;
  guest_id: string;
  protocol: string;
  /** `kind:id` of the principal that minted it. */
  actor: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  used_by: string | null;
}

/** The server's database, as Kysely sees it. */
export interface Database {
  organizations: OrganizationTable;
  users: UserTable;
  memberships: MembershipTable;
  targets: TargetTable;
  service_tokens: ServiceTokenTable;
  audit_events: AuditEventTable;
  idempotency_keys: IdempotencyKeyTable;
  console_tickets: ConsoleTicketTable;
}
