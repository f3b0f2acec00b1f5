/**
 * hvc-server: the `hvc.v1` API (gRPC, gRPC-Web and Connect JSON on one port) in front of hypervisor targets, with
 * authentication, per-organisation authorization, storage and the `hvc-server` bin. Embed the API in your own
 * server with {@link createHvcHandler}, or run all of it with {@link startServer}.
 *
 * @packageDocumentation
 */

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
export {
  ConfigError,
  ENV_SETTINGS,
  loadServerConfig,
  type ServerConfig,
  type ServerConfigInput,
  ServerConfigSchema,
} from './bootstrap/server-config.js';
export { type RunningServer, type StartExtras, startServer } from './bootstrap/start-server.js';
export type { ConnectorResolver } from './connectors/connector-resolver.js';
export type {
  AuditActor,
  AuditEvent,
  MemberRecord,
  OrganizationRecord,
  ServiceTokenRecord,
  TargetDescriptor,
  TargetRecord,
  UserRecord,
} from './domain/records.js';
export { isRole, ROLES, type Role, roleRank } from './domain/roles.js';
export * from './gen/hvc/v1/guests_pb.js';
export * from './gen/hvc/v1/members_pb.js';
export * from './gen/hvc/v1/operations_pb.js';
export * from './gen/hvc/v1/resources_pb.js';
export * from './gen/hvc/v1/snapshots_pb.js';
export * from './gen/hvc/v1/targets_pb.js';
export {
  createHvcHandler,
  type HvcHandler,
  type HvcHandlerLimits,
  type HvcHandlerOptions,
} from './http/hvc-handler.js';
export type { NodeRequest, NodeResponse } from './http/node-http.js';
export {
  listenOnePort,
  type OnePortOptions,
  type OnePortServer,
  type RequestListener,
  type TlsOptions,
} from './http/one-port-server.js';
export type { Readiness } from './http/ops-endpoints.js';
export { type AuditNote, IAM_KEY } from './interceptors/request-context.js';
export { createLogger, type Logger, REDACTED_PATHS } from './observability/logger.js';
export { createServerMetrics, type ServerMetrics } from './observability/metrics.js';
export { HVC_SERVICES } from './rpc/hvc-routes.js';
export type { ServiceDeps } from './rpc/service-deps.js';
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
export {
  generateServiceToken,
  SERVICE_TOKEN_PREFIX,
  type ServiceTokenStore,
} from './storage/service-token-store.js';
export type { NewTarget, TargetChanges, TargetStore } from './storage/target-store.js';
export { GRPC_CODE, toConnectError } from './wire/error-mapping.js';
