import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ASYMMETRIC_ALGORITHMS } from '../authn/oidc-verifier.js';
import { ROLES } from '../domain/roles.js';
import { encryptionKeyProblem } from '../storage/credential-cipher.js';
import { SERVICE_TOKEN_PREFIX } from '../storage/service-token-store.js';
import { LoginConfigSchema } from './login-config.js';

/** An organisation or service token id. */
export const IdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower case letters, digits and "-", at most 63');

/** A yes/no setting: a boolean in the file, `true` or `false` in a variable. */
const FlagSchema = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean({ error: 'expected true or false' }),
);

const IssuerSchema = z.strictObject({
  issuer: z.string().url(),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1).default(['RS256', 'ES256']),
  jwksUri: z.string().url().optional(),
  typ: z.string().min(1).optional(),
  requiredClaims: z.array(z.string().min(1)).optional(),
  clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
  maxTokenAgeSeconds: z
    .number()
    .int()
    .positive()
    .default(12 * 3600),
  jwksRefreshIntervalMs: z
    .number()
    .int()
    .min(1000)
    .default(5 * 60_000),
  jwksMaxStalenessMs: z
    .number()
    .int()
    .min(60_000)
    .default(24 * 3600_000),
});

/** The server's configuration, validated; every default applied. */
export const ServerConfigSchema = z.strictObject({
  listen: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(8080),
    })
    .prefault({}),
  /**
   * Prometheus `/metrics` on a listener of its own (plain HTTP, nothing else on it), for the operator's network
   * only. Off unless a port is set; the API port never serves metrics: they describe every organisation at once.
   */
  metrics: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).optional(),
    })
    .prefault({}),
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  /** PostgreSQL when `url` is set (several replicas), else the SQLite `file` (one replica). */
  database: z
    .strictObject({
      file: z.string().min(1).default('hvc.sqlite'),
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// or postgresql:// URL')
        .optional(),
      poolMax: z.number().int().min(1).max(1000).optional(),
      statementTimeoutMs: z.number().int().min(0).optional(),
      connectionTimeoutMs: z.number().int().min(100).optional(),
      idleTimeoutMs: z.number().int().min(1000).optional(),
    })
    .prefault({}),
  /** 32 random bytes, hex or base64: encrypts target credentials at rest. Weak keys are refused. */
  encryptionKey: z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      const problem = encryptionKeyProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  oidc: z.strictObject({ issuers: z.array(IssuerSchema).default([]) }).prefault({}),
  /** The OIDC client `hvc login` uses, published at `/.well-known/hvc`. */
  login: LoginConfigSchema.optional(),
  serviceTokens: z
    .array(
      z.strictObject({
        id: IdSchema,
        token: z
          .string()
          .startsWith(SERVICE_TOKEN_PREFIX, `must start with ${SERVICE_TOKEN_PREFIX}`)
          .min(
            SERVICE_TOKEN_PREFIX.length + 32,
            'too short: use at least 32 random characters after the prefix',
          ),
        organization: IdSchema,
        role: z.enum(ROLES),
      }),
    )
    .default([]),
  bootstrap: z
    .strictObject({
      organization: IdSchema,
      adminIssuer: z.string().url(),
      adminSubject: z.string().min(1),
    })
    .optional(),
  connectors: z
    .strictObject({
      /**
       * Offer the memory connector kind, whose targets are no hypervisor at all (tests, demos). Off by default: a
       * production server refuses memory targets when they are written and cannot resolve any already stored.
       */
      allowMemory: FlagSchema.default(false),
      /**
       * Let organisation admins write connector settings that reach the server's own machine or budget (a local
       * libvirtd, files and keys on the server, its ssh-agent, budgets above the defaults, TLS that accepts any
       * certificate). Off by default: such a config is refused when written and a stored one is not resolved.
       * For single-tenant deployments only.
       */
      allowOperatorSettings: FlagSchema.default(false),
    })
    .prefault({}),
  limits: z
    .strictObject({
      readMaxBytes: z
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(1024 * 1024),
      maxDeadlineMs: z
        .number()
        .int()
        .min(1000)
        .default(5 * 60_000),
      maxTokenLength: z.number().int().min(256).max(65_536).default(8192),
      /**
       * How long the caller's memberships, authorization answers and target lookups are reused, ms (0: never).
       * This server's own changes apply at once; another replica's within this time.
       */
      accessCacheMs: z.number().int().min(0).max(60_000).default(5_000),
      /** Answers smaller than this are sent uncompressed even to a client that accepts gzip. */
      compressMinBytes: z
        .number()
        .int()
        .min(0)
        .default(64 * 1024),
      /**
       * Connectivity tests, target creations and changes of where a target points, per organisation and minute:
       * each may make the server connect to an address the caller chose.
       */
      targetProbesPerMinute: z.number().int().min(1).max(10_000).default(10),
      /** How long a connectivity test may take; one that fails to reach its target answers after exactly this. */
      targetProbeWindowMs: z.number().int().min(100).max(120_000).default(5_000),
      /** How long an idempotency key is remembered after its first use (a minute to 30 days). */
      idempotencyKeyTtlMs: z
        .number()
        .int()
        .min(60_000)
        .max(30 * 86_400_000)
        .default(86_400_000),
      /** Streams one HTTP/2 connection may have open at once; the client is told, and more are refused. */
      maxConcurrentStreams: z.number().int().min(1).max(1_000).default(100),
      /** Streams that need no token (health `Watch`) open at once, server-wide and from one client address. */
      maxUnauthenticatedStreams: z.number().int().min(1).max(100_000).default(256),
      maxUnauthenticatedStreamsPerClient: z.number().int().min(1).max(100_000).default(16),
      /** Connections open at once; more are closed as they arrive. */
      maxConnections: z.number().int().min(1).max(1_000_000).default(4_096),
      /** Largest request header block, bytes. */
      maxHeaderBytes: z
        .number()
        .int()
        .min(8 * 1024)
        .max(1024 * 1024)
        .default(16 * 1024),
      /** A TLS handshake or a request's headers not received within this are cut off, ms. */
      headersTimeoutMs: z.number().int().min(100).max(60_000).default(20_000),
      /** A request (headers and body) not received within this is cut off, ms. */
      requestTimeoutMs: z.number().int().min(100).max(600_000).default(60_000),
      /** A connection with no request in flight for this long is closed, ms. */
      idleTimeoutMs: z.number().int().min(100).max(60_000).default(30_000),
    })
    .refine((limits) => limits.headersTimeoutMs <= limits.requestTimeoutMs, {
      message: 'headersTimeoutMs must not exceed requestTimeoutMs',
      path: ['headersTimeoutMs'],
    })
    .prefault({}),
  /** The console proxy: `/v1/console/…` WebSockets that OpenConsole tickets open. */
  console: z
    .strictObject({
      /** How long a ticket may wait for its WebSocket, ms. */
      ticketTtlMs: z.number().int().min(1_000).max(600_000).default(60_000),
      /** A console with no byte either way for this long is closed, ms. */
      idleTimeoutMs: z
        .number()
        .int()
        .min(1_000)
        .max(86_400_000)
        .default(15 * 60_000),
      /** A console open this long is closed, ms. */
      maxSessionMs: z
        .number()
        .int()
        .min(1_000)
        .max(7 * 86_400_000)
        .default(8 * 3_600_000),
      /** Consoles this replica proxies at once, every organisation together. */
      maxSessions: z.number().int().min(1).max(100_000).default(256),
      /** Consoles one organisation may have open at once through this replica. */
      maxSessionsPerOrganization: z.number().int().min(1).max(100_000).default(16),
      /** The base of console URLs as browsers reach the server; the request's own host when unset. */
      publicUrl: z
        .string()
        .regex(/^wss?:\/\/[^\s/]+(\/[^\s?#]*)?$/, 'must be a ws:// or wss:// URL without query')
        .optional(),
      /** Origins whose pages may open consoles (`https://portal.example.com`); any origin when unset. */
      allowedOrigins: z
        .array(z.string().regex(/^https?:\/\/[^\s/]+$/, 'an origin: http(s)://host[:port], no path'))
        .min(1)
        .optional(),
    })
    .refine((console) => console.maxSessionsPerOrganization <= console.maxSessions, {
      message: 'maxSessionsPerOrganization must not exceed maxSessions',
      path: ['maxSessionsPerOrganization'],
    })
    .prefault({}),
  drainTimeoutMs: z.number().int().min(0).default(10_000),
  /**
   * Development only: `serve` starts although no authentication source is configured (no OIDC issuer, no service
   * token in the configuration or the database), so every API call is then refused. Off by default.
   */
  devMode: FlagSchema.default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The validated configuration. */
export type ServerConfig = z.output<typeof ServerConfigSchema>;
/** Configuration as written in a file. */
export type ServerConfigInput = z.input<typeof ServerConfigSchema>;

/** The environment variable of each setting, for errors that name what to fix. */
export const ENV_SETTINGS: Readonly<Record<string, string>> = {
  'listen.host': 'HVC_HOST',
  'listen.port': 'HVC_PORT',
  'metrics.host': 'HVC_METRICS_HOST',
  'metrics.port': 'HVC_METRICS_PORT',
  'tls.certFile': 'HVC_TLS_CERT_FILE',
  'tls.keyFile': 'HVC_TLS_KEY_FILE',
  'database.file': 'HVC_DATABASE_FILE',
  'database.url': 'HVC_DATABASE_URL',
  'database.poolMax': 'HVC_DATABASE_POOL_MAX',
  'database.statementTimeoutMs': 'HVC_DATABASE_STATEMENT_TIMEOUT_MS',
  'database.connectionTimeoutMs': 'HVC_DATABASE_CONNECTION_TIMEOUT_MS',
  'database.idleTimeoutMs': 'HVC_DATABASE_IDLE_TIMEOUT_MS',
  encryptionKey: 'HVC_ENCRYPTION_KEY',
  'oidc.issuers.0.issuer': 'HVC_OIDC_ISSUER',
  'oidc.issuers.0.audience': 'HVC_OIDC_AUDIENCE',
  'oidc.issuers.0.algorithms': 'HVC_OIDC_ALGORITHMS',
  'oidc.issuers.0.jwksUri': 'HVC_OIDC_JWKS_URI',
  'oidc.issuers.0.typ': 'HVC_OIDC_TYP',
  'login.clientId': 'HVC_LOGIN_CLIENT_ID',
  'login.issuer': 'HVC_LOGIN_ISSUER',
  'login.audience': 'HVC_LOGIN_AUDIENCE',
  'login.scope': 'HVC_LOGIN_SCOPE',
  'serviceTokens.0.token': 'HVC_SERVICE_TOKEN',
  'serviceTokens.0.organization': 'HVC_SERVICE_TOKEN_ORGANIZATION',
  'serviceTokens.0.role': 'HVC_SERVICE_TOKEN_ROLE',
  'bootstrap.organization': 'HVC_BOOTSTRAP_ORGANIZATION',
  'bootstrap.adminIssuer': 'HVC_BOOTSTRAP_ADMIN_ISSUER',
  'bootstrap.adminSubject': 'HVC_BOOTSTRAP_ADMIN_SUBJECT',
  'limits.readMaxBytes': 'HVC_READ_MAX_BYTES',
  'limits.maxDeadlineMs': 'HVC_MAX_DEADLINE_MS',
  'limits.maxTokenLength': 'HVC_MAX_TOKEN_LENGTH',
  'limits.accessCacheMs': 'HVC_ACCESS_CACHE_MS',
  'limits.compressMinBytes': 'HVC_COMPRESS_MIN_BYTES',
  'limits.targetProbesPerMinute': 'HVC_TARGET_PROBES_PER_MINUTE',
  'limits.targetProbeWindowMs': 'HVC_TARGET_PROBE_WINDOW_MS',
  'limits.idempotencyKeyTtlMs': 'HVC_IDEMPOTENCY_KEY_TTL_MS',
  'limits.maxConcurrentStreams': 'HVC_MAX_CONCURRENT_STREAMS',
  'limits.maxUnauthenticatedStreams': 'HVC_MAX_UNAUTHENTICATED_STREAMS',
  'limits.maxUnauthenticatedStreamsPerClient': 'HVC_MAX_UNAUTHENTICATED_STREAMS_PER_CLIENT',
  'limits.maxConnections': 'HVC_MAX_CONNECTIONS',
  'limits.maxHeaderBytes': 'HVC_MAX_HEADER_BYTES',
  'limits.headersTimeoutMs': 'HVC_HEADERS_TIMEOUT_MS',
  'limits.requestTimeoutMs': 'HVC_REQUEST_TIMEOUT_MS',
  'limits.idleTimeoutMs': 'HVC_IDLE_TIMEOUT_MS',
  'connectors.allowMemory': 'HVC_ALLOW_MEMORY_CONNECTOR',
  'connectors.allowOperatorSettings': 'HVC_ALLOW_OPERATOR_SETTINGS',
  'console.ticketTtlMs': 'HVC_CONSOLE_TICKET_TTL_MS',
  'console.idleTimeoutMs': 'HVC_CONSOLE_IDLE_TIMEOUT_MS',
  'console.maxSessionMs': 'HVC_CONSOLE_MAX_SESSION_MS',
  'console.maxSessions': 'HVC_CONSOLE_MAX_SESSIONS',
  'console.maxSessionsPerOrganization': 'HVC_CONSOLE_MAX_SESSIONS_PER_ORGANIZATION',
  'console.publicUrl': 'HVC_CONSOLE_PUBLIC_URL',
  'console.allowedOrigins': 'HVC_CONSOLE_ALLOWED_ORIGINS',
  drainTimeoutMs: 'HVC_DRAIN_TIMEOUT_MS',
  devMode: 'HVC_DEV_MODE',
  logLevel: 'HVC_LOG_LEVEL',
};

/** A configuration that cannot be used; the message names each bad setting and its environment variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function numberOrText(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** Settings from `HVC_*` variables, as a partial configuration. */
function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const set = (path: string, value: unknown) => {
    const keys = path.split('.');
    let node = config as Record<string, unknown>;
    keys.slice(0, -1).forEach((key, i) => {
      const nextIsIndex = /^\d+$/.test(keys[i + 1]!);
      node[key] ??= nextIsIndex ? [] : {};
      node = node[key] as Record<string, unknown>;
    });
    node[keys[keys.length - 1]!] = value;
  };
  for (const [path, name] of Object.entries(ENV_SETTINGS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (path === 'oidc.issuers.0.algorithms' || path === 'console.allowedOrigins')
      set(
        path,
        value.split(',').map((a) => a.trim()),
      );
    else if (path === 'serviceTokens.0.token' || path.startsWith('login.')) set(path, value);
    else set(path, numberOrText(value));
  }
  const token = (config.serviceTokens as Record<string, unknown>[] | undefined)?.[0];
  if (token) token.id ??= 'env';
  const bootstrap = config.bootstrap as Record<string, unknown> | undefined;
  if (bootstrap && bootstrap.adminIssuer === undefined && env.HVC_OIDC_ISSUER)
    bootstrap.adminIssuer = env.HVC_OIDC_ISSUER;
  return config;
}

/** Merges `override` into `base`: objects key by key, arrays element by element, other values replaced. */
function merge(base: unknown, override: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(override)) {
    return Array.from({ length: Math.max(base.length, override.length) }, (_, i) =>
      merge(base[i], override[i]),
    );
  }
  if (isPlainObject(base) && isPlainObject(override)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) out[key] = merge(base[key], value);
    return out;
  }
  return override === undefined ? base : override;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The configuration file's JSON. Errors name the file and where it is wrong, never its text: the parser's own
 * message quotes the text around the fault, which may be a secret (the encryption key, a token).
 */
function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read the configuration file ${file}${code ? ` (${code})` : ''}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    throw new ConfigError(
      `the configuration file ${file} is not valid JSON${position === undefined ? '' : ` (${lineAndColumn(text, Number(position))})`}`,
    );
  }
}

/** `line L, column C` of a character offset, both from 1. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/**
 * Reads the configuration: the JSON file named by `HVC_CONFIG` (or `file`), overridden by `HVC_*` variables, then
 * validated. Throws {@link ConfigError} naming every bad setting (and its variable) without echoing values.
 */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env, file = env.HVC_CONFIG): ServerConfig {
  const fromFile = file ? readConfigFile(file) : {};
  const result = ServerConfigSchema.safeParse(merge(fromFile, fromEnv(env)));
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const variable = ENV_SETTINGS[path];
    const field =
      issue.code === 'unrecognized_keys' ? `${path ? `${path}.` : ''}${issue.keys.join(', ')}` : path;
    return `${field || '(root)'}${variable ? ` (${variable})` : ''}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
}
