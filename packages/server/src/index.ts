/**
 * hvc-server: the `hvc.v1` API (gRPC, gRPC-Web and Connect JSON on one port) in front of hypervisor targets, with
 * authentication, per-organisation authorization, storage and the `hvc-server` bin. Embed the API in your own
 * server with {@link createHvcHandler}, or run all of it with {@link startServer}.
 *
 * @packageDocumentation
 */

export { GRPC_CODE, toConnectError } from './api/error-mapping.js';
export {
  createHvcHandler,
  HVC_SERVICES,
  type HvcHandler,
  type HvcHandlerLimits,
  type HvcHandlerOptions,
  type NodeRequest,
  type NodeResponse,
} from './api/hvc-handler.js';
export { type AuditNote, IAM_KEY } from './api/request-context.js';
export type { ConnectorResolver, ServiceDeps } from './api/service-deps.js';
export { AuthFailure, type AuthFailureReason, isAuthFailure } from './authn/auth-failure.js';
export { type Authenticator, createAuthenticator } from './authn/authenticator.js';
export { DEFAULT_MAX_TOKEN_LENGTH, readBearerToken } from './authn/bearer-token.js';
export { type DevIssuer, type DevIssuerOptions, startDevIssuer } from './authn/dev-issuer.js';
export { createIamContext, type IamContext, type Principal } from './authn/iam-context.js';
export type { TokenVerifier, VerifiedIdentity } from './authn/identity.js';
export {
  ASYMMETRIC_ALGORITHMS,
  createOidcVerifier,
  type IssuerKeyState,
  type OidcIssuerConfig,
  type OidcVerifier,
} from './authn/oidc-verifier.js';
export { createServiceTokenVerifier } from './authn/service-token-verifier.js';
export {
  type AllowedPage,
  type Authorizer,
  type CheckResult,
  MINIMUM_ROLE,
  type Permission,
  type ResourceRef,
  type SubjectRef,
} from './authz/authorizer.js';
export { createDatabaseAuthorizer } from './authz/database-authorizer.js';
export { enforce } from './authz/enforce.js';
export { isRole, ROLES, type Role, roleRank } from './authz/roles.js';
export {
  ConfigError,
  ENV_SETTINGS,
  loadServerConfig,
  type ServerConfig,
  type ServerConfigInput,
  ServerConfigSchema,
} from './config/server-config.js';
export * from './gen/hvc/v1/guests_pb.js';
export * from './gen/hvc/v1/members_pb.js';
export * from './gen/hvc/v1/operations_pb.js';
export * from './gen/hvc/v1/resources_pb.js';
export * from './gen/hvc/v1/snapshots_pb.js';
export * from './gen/hvc/v1/targets_pb.js';
export { createLogger, type Logger, REDACTED_PATHS } from './observability/logger.js';
export { createServerMetrics, type ServerMetrics } from './observability/metrics.js';
export {
  listenOnePort,
  type OnePortOptions,
  type OnePortServer,
  type RequestListener,
  type TlsOptions,
} from './server/one-port-server.js';
export type { Readiness } from './server/ops-endpoints.js';
export { type RunningServer, type StartExtras, startServer } from './server/start-server.js';
export type { AuditLog } from './storage/audit-log.js';
export {
  type DatabaseHooks,
  type DatabaseSettings,
  describeDatabase,
  openDatabase,
  openStore,
} from './storage/configured-database.js';
export {
  type CredentialCipher,
  createCredentialCipher,
  parseEncryptionKey,
} from './storage/credential-cipher.js';
export type { DatabaseDialect } from './storage/database-dialect.js';
export type { Database } from './storage/database-schema.js';
export { createHvcStore, type HvcStore, openPostgresStore, openSqliteStore } from './storage/hvc-store.js';
export type { MemberStore } from './storage/member-store.js';
export { MIGRATION_LOCK_KEY, migrateToLatest } from './storage/migrations.js';
export type { PostgresOptions } from './storage/open-postgres-database.js';
export type {
  AuditActor,
  AuditEvent,
  MemberRecord,
  OrganizationRecord,
  ServiceTokenRecord,
  TargetDescriptor,
  TargetRecord,
  UserRecord,
} from './storage/records.js';
export {
  generateServiceToken,
  SERVICE_TOKEN_PREFIX,
  type ServiceTokenStore,
} from './storage/service-token-store.js';
export type { NewTarget, TargetChanges, TargetStore } from './storage/target-store.js';
