/**
 * hvc-server: the `hvc.v1` API (gRPC, gRPC-Web and Connect JSON on one port) in front of hypervisor targets, with
 * authentication, per-organisation authorization, storage and the `hvc-server` bin. Embed the API in your own
 * server with {@link createHvcHandler} and the parts it is built from (resolver, authenticator, authorizer, store),
 * or run all of it with {@link startServer} and its configuration. Clients use `@hvc/client`, which has the
 * `hvc.v1` service descriptors and messages and nothing of the server.
 *
 * @packageDocumentation
 */

export { AuthFailure, type AuthFailureReason } from './authn/auth-failure.js';
export { type Authenticator, createAuthenticator } from './authn/authenticator.js';
export { type DevIssuer, type DevIssuerOptions, startDevIssuer } from './authn/dev-issuer.js';
export type { TokenVerifier, VerifiedIdentity } from './authn/identity.js';
export {
  createOidcVerifier,
  type IssuerKeyState,
  type OidcIssuerConfig,
  type OidcVerifier,
} from './authn/oidc-verifier.js';
export { createServiceTokenVerifier } from './authn/service-token-verifier.js';
export type {
  AllowedPage,
  Authorizer,
  CheckResult,
  Permission,
  ResourceRef,
  SubjectRef,
} from './authz/authorizer.js';
export { createDatabaseAuthorizer } from './authz/database-authorizer.js';
export { DEMO_CLOUD_IMAGE, DEMO_PROVISIONING_WALK } from './bootstrap/demo/demo-banner.js';
export {
  ConfigError,
  loadServerConfig,
  type ServerConfig,
  type ServerConfigInput,
  ServerConfigSchema,
} from './bootstrap/server-config.js';
export { type RunningServer, type StartExtras, startServer } from './bootstrap/start-server.js';
export { policedTargetSource } from './bootstrap/target-resolver.js';
export { CONNECTOR_KINDS } from './connectors/connector-kinds.js';
export type { ConnectorResolver } from './connectors/connector-resolver.js';
export {
  createTenantConfigPolicy,
  enforceTenantPolicy,
  type TenantConfigPolicy,
} from './connectors/tenant-config-policy.js';
export type { ConsoleProxyOptions } from './console/console-options.js';
export type { UpgradeHandler } from './console/console-upgrade-handler.js';
export type {
  AuditActor,
  AuditEvent,
  MemberRecord,
  OrganizationRecord,
  ServiceTokenOrigin,
  ServiceTokenRecord,
  StoredTarget,
  TargetRecord,
  UserRecord,
} from './domain/records.js';
export type { Role } from './domain/roles.js';
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
  type UpgradeListener,
} from './http/one-port-server.js';
export type { Readiness } from './http/ops-endpoints.js';
export {
  createServerInfoEndpoint,
  type LoginInfo,
  SERVER_INFO_PATH,
  type ServerInfo,
} from './http/server-info-endpoint.js';
export { createLogger, type Logger } from './observability/logger.js';
export { createServerMetrics, type ServerMetrics } from './observability/metrics.js';
export type { AuditLog } from './storage/audit-log.js';
export {
  type CredentialCipher,
  createCredentialCipher,
  parseEncryptionKey,
} from './storage/credential-cipher.js';
export type { DatabaseDialect } from './storage/database-dialect.js';
export type { Database } from './storage/database-schema.js';
export { checkEncryptionKey, type KeyCheck } from './storage/encryption-key-check.js';
export { type HvcStore, openPostgresStore, openSqliteStore } from './storage/hvc-store.js';
export type { MemberStore } from './storage/member-store.js';
export type { PostgresOptions } from './storage/open-postgres-database.js';
export { type KeyRotation, rotateEncryptionKey } from './storage/rotate-encryption-key.js';
export { generateServiceToken, type ServiceTokenStore } from './storage/service-token-store.js';
export type { NewTarget, TargetChanges, TargetStore } from './storage/target-store.js';
export { MAY_HAVE_BEEN_APPLIED_METADATA } from './wire/error-mapping.js';
