import { GUEST_TYPES, NodeNameSchema, ResourceNameSchema } from '@hvc/hypervisor-connector';
import { FingerprintSchema, TlsTrustSchema } from '@hvc/hypervisor-connector-kit';
import type { FetchFunction } from '@hvc/hypervisor-connector-kit/http';
import { z } from 'zod';
import { DEFAULT_WATCH_POLLING, WatchPollingSchema } from './watch-polling-schema.js';

/**
 * A PVE pool id (pve-access-control `src/PVE/AccessControl.pm` `verify_poolname`): up to three `/`-separated levels
 * of letters, digits, `.`, `-` and `_`.
 */
const PoolIdSchema = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9.\-_]+(?:\/[A-Za-z0-9.\-_]+){0,2}$/, 'a PVE pool id: up to 3 levels such as prod/web');

/** The base URL of one cluster node's API, normalised to its origin (`https://host:8006`). */
const EndpointUrlSchema = z
  .string()
  .min(1)
  .max(2048)
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a URL' });
      return z.NEVER;
    }
    if (url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'PVE serves its API over https only' });
      return z.NEVER;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'put credentials in `credentials`, not in the URL' });
      return z.NEVER;
    }
    if (
      (url.pathname !== '/' && url.pathname !== '/api2/json' && url.pathname !== '/api2/json/') ||
      url.search
    ) {
      ctx.addIssue({ code: 'custom', message: 'give the origin only, e.g. https://pve1.example:8006' });
      return z.NEVER;
    }
    return `https://${url.hostname.includes(':') && !url.hostname.startsWith('[') ? `[${url.hostname}]` : url.hostname}:${url.port || '8006'}`;
  });

/** One endpoint: a URL, or a URL with the node it belongs to and that node's certificate fingerprint. */
const EndpointSchema = z.union([
  EndpointUrlSchema.transform((url) => ({ url })),
  z.strictObject({
    url: EndpointUrlSchema,
    /** The PVE node this endpoint is; guest calls for that node go here first. Learnt from the cluster otherwise. */
    node: NodeNameSchema.optional(),
    /** This node's certificate fingerprint (each PVE node has its own certificate). */
    fingerprint: FingerprintSchema.optional(),
  }),
]);

/** API token credentials: `user@realm!tokenid` and its secret. */
const TokenCredentialsSchema = z.strictObject({
  type: z.literal('token'),
  tokenId: z
    .string()
    .max(128)
    .regex(
      /^[^\s@!:=]+@[A-Za-z][A-Za-z0-9.\-_]*![A-Za-z][A-Za-z0-9.\-_]+$/,
      'not a token id (user@realm!tokenid)',
    ),
  secret: z.string().min(1).max(512),
});

/** Username and password credentials, exchanged for a ticket; `otp` answers a TOTP second factor once. */
const PasswordCredentialsSchema = z.strictObject({
  type: z.literal('password'),
  /** `user@realm`, or `user` with `realm`. */
  username: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^\s:]+$/, 'not a user name'),
  password: z.string().min(1).max(1024),
  realm: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9.\-_]{1,31}$/, 'not a realm')
    .optional(),
  otp: z.string().min(1).max(64).optional(),
});

/** Either credential kind; `type` may be left out when `tokenId` or `username` says which one it is. */
const CredentialsSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'object' || value === null || 'type' in value) return value;
    if ('tokenId' in value) return { type: 'token', ...value };
    if ('username' in value) return { type: 'password', ...value };
    return value;
  },
  z.discriminatedUnion('type', [TokenCredentialsSchema, PasswordCredentialsSchema]),
);

/** Timeouts of one target. */
const TimeoutsSchema = z.strictObject({
  /**
   * Deadline of one HTTP request once connected: its answer's headers must come, and its body must never stall,
   * within it (PVE delays every 401 by ~3 s). The connect has its own deadline.
   */
  requestMs: z.number().int().min(100).max(600_000).default(30_000),
  /** Deadline of the TCP and TLS handshake. */
  connectMs: z.number().int().min(100).max(120_000).default(10_000),
});

/**
 * How task waits poll: at once, then after `initialIntervalMs`, each interval `backoffFactor` times the one before
 * up to `maxIntervalMs`, each wait's schedule shifted once by up to ±10 % of the first interval. The defaults see
 * a task of 2 s end with the 4th poll (at ≈ 2.4 s), one of 10 s with the 8th (at ≈ 10.1 s), while a short task is
 * still seen at once or after half a second.
 */
const TaskPollingSchema = z.strictObject({
  /** The second poll (the first is at once) comes this soon. */
  initialIntervalMs: z.number().int().min(1).max(60_000).default(500),
  /** Each interval is this many times the one before. */
  backoffFactor: z.number().min(1).max(4).default(1.5),
  /** Polls are never further apart than this. */
  maxIntervalMs: z.number().int().min(1).max(300_000).default(2_000),
  /** How long "no such task" is taken for "not visible yet" after the task started. */
  noSuchTaskGraceMs: z.number().int().min(0).max(300_000).default(10_000),
});

/**
 * How requests reach PVE: `'undici'` (the default) — undici's `request` on a keep-alive pool per endpoint, the fast
 * path, with the target's TLS settings; `'fetch'` — the global `fetch` as it is at each request, so msw's
 * `setupServer` (which patches it) sees every call; or `{ fetch }` — a `fetch` function of your own. The request
 * deadline, aborts, retries, failover, error mapping and `maxResponseBytes` are the same on every transport. With
 * a `fetch`, the connection is the fetch function's business: TLS settings are refused (they would not apply), and
 * `timeouts.connectMs` does not apply (the request deadline covers the connect).
 */
const TransportSchema = z.union([
  z.enum(['undici', 'fetch']),
  z.strictObject({
    fetch: z.custom<FetchFunction>((value) => typeof value === 'function', 'not a fetch function'),
  }),
]);

/** The fields of a target's configuration, before the checks across fields. */
const ProxmoxConfigFields = z.strictObject({
  /** One or more nodes of the cluster; any of them answers for the whole cluster. */
  endpoints: z.array(EndpointSchema).min(1).max(64),
  credentials: CredentialsSchema,
  /**
   * How the target's certificates are checked: a CA (the cluster's `/etc/pve/pve-root-ca.pem`), the SHA-256
   * fingerprints `pvenode cert info` shows, or `insecure`. The system's CAs by default.
   */
  tls: TlsTrustSchema.default({}),
  timeouts: TimeoutsSchema.default({ requestMs: 30_000, connectMs: 10_000 }),
  /**
   * Most bytes of one answer's body (32 MiB by default). Counted as the body
   * streams: past it the connection is dropped and the call fails with INTERNAL, naming the limit and the path.
   */
  maxResponseBytes: z
    .number()
    .int()
    .min(64 * 1024)
    .max(256 * 1024 * 1024)
    .default(32 * 1024 * 1024),
  /** Most requests in flight to this target at once, and most sockets per endpoint (pveproxy has 3 workers). */
  concurrency: z.number().int().min(1).max(256).default(4),
  /** The guest types this connector manages (`vm` = QEMU, `container` = LXC); guests of other types are invisible. */
  guestTypes: z
    .array(z.enum(GUEST_TYPES))
    .min(1)
    .max(2)
    .refine((types) => new Set(types).size === types.length, 'each guest type once')
    .default(['vm', 'container']),
  /**
   * Confine the connector to one PVE pool: other guests are invisible, new guests join the pool. Nested pools
   * (`prod/web`) are pools of their own: a guest of `prod/web` is not a member of `prod`.
   */
  pool: PoolIdSchema.optional(),
  /** Attempts of an idempotent read on a retryable error (UNAVAILABLE, TIMEOUT), the first included. */
  readAttempts: z.number().int().min(1).max(10).default(3),
  /** Renew a ticket once it is this old (tickets live 2 h). */
  ticketRenewAfterMs: z
    .number()
    .int()
    .min(60_000)
    .max(110 * 60_000)
    .default(60 * 60_000),
  tasks: TaskPollingSchema.default({
    initialIntervalMs: 500,
    backoffFactor: 1.5,
    maxIntervalMs: 2_000,
    noSuchTaskGraceMs: 10_000,
  }),
  /** How `watchGuests` polls (see {@link WatchPollingSchema}). */
  watch: WatchPollingSchema.default(DEFAULT_WATCH_POLLING),
  /** Storage for new disks when a spec names none. */
  defaultStorage: ResourceNameSchema.default('local-lvm'),
  /** How requests reach PVE: `'undici'` (the default), `'fetch'` or `{ fetch }` (for msw and other interceptors). */
  transport: TransportSchema.default('undici'),
});

/** The configuration of one Proxmox VE target (a cluster or a single node). */
export const ProxmoxConfigSchema = ProxmoxConfigFields.superRefine((config, ctx) => {
  if (config.transport === 'undici') return;
  const tls =
    config.tls.ca !== undefined || config.tls.fingerprint !== undefined || config.tls.insecure === true;
  const pinned = config.endpoints.some((endpoint) => 'fingerprint' in endpoint && endpoint.fingerprint);
  if (tls || pinned) {
    ctx.addIssue({
      code: 'custom',
      path: ['transport'],
      message:
        'TLS settings (tls, endpoint fingerprints) apply to the undici transport only: a fetch brings its own TLS',
    });
  }
});

/** A validated Proxmox target config, defaults applied. */
export type ProxmoxConfig = z.output<typeof ProxmoxConfigSchema>;
/** A Proxmox target config as written by users. */
export type ProxmoxConfigInput = z.input<typeof ProxmoxConfigSchema>;
/** Validated credentials. */
export type ProxmoxCredentials = ProxmoxConfig['credentials'];
