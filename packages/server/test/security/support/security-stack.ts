import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { systemClock } from '@hvc/hypervisor-connector-kit';
import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import { type Authenticator, createAuthenticator } from '../../../src/authn/authenticator.js';
import { createOidcVerifier } from '../../../src/authn/oidc-verifier.js';
import { createServiceTokenVerifier } from '../../../src/authn/service-token-verifier.js';
import type { Authorizer } from '../../../src/authz/authorizer.js';
import { createDatabaseAuthorizer } from '../../../src/authz/database-authorizer.js';
import { createHvcHandler, type HvcHandlerLimits } from '../../../src/http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../../../src/http/one-port-server.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createServerMetrics, type ServerMetrics } from '../../../src/observability/metrics.js';
import { createCredentialCipher } from '../../../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../../../src/storage/hvc-store.js';
import { generateServiceToken } from '../../../src/storage/service-token-store.js';
import { type HostileIssuer, startHostileIssuer } from './hostile-issuer.js';
import { createRawClient, type RawClient } from './raw-call.js';

/** The audience of every issuer of the stack. */
export const AUDIENCE = 'urn:hvc:security';

/** Users of the stack: name → [issuer, organisation, role]. */
const USERS = {
  alice: ['a', 'acme', 'admin'],
  op: ['a', 'acme', 'operator'],
  viewer: ['a', 'acme', 'viewer'],
  gadmin: ['a', 'globex', 'admin'],
  twin: ['a', 'acme', 'viewer'],
  'b-twin': ['b', 'globex', 'viewer'],
  bob: ['b', 'acme', 'viewer'],
  late: ['late', 'acme', 'viewer'],
} as const;

/** One server over both protocols with four issuers, two organisations, service tokens and spies. */
export interface SecurityStack {
  readonly url: string;
  readonly raw: RawClient;
  readonly store: HvcStore;
  readonly metrics: ServerMetrics;
  readonly authenticator: Authenticator;
  /** ES256 only, `typ: at+jwt`, `client_id` and `jti` required, a 1 h staleness ceiling on the stack clock. */
  readonly a: HostileIssuer;
  /** RS256 and PS256, no `typ` check. */
  readonly b: HostileIssuer;
  /** Its discovery document names another issuer. */
  readonly impostor: HostileIssuer;
  /** Down when the server started; retried every 100 ms. */
  readonly late: HostileIssuer;
  /** The stack clock (token checks and the probe budgets): frozen at a time, or shifted from the real one. */
  readonly clock: { frozenAt?: number; offsetMs: number };
  /** User ids by name. */
  readonly userIds: Record<keyof typeof USERS, string>;
  /** Two service tokens of `acme` (an operator and a viewer: a rotation pair). */
  readonly serviceTokens: { readonly operator: string; readonly viewer: string };
  /** Guest ids of `mem-a` (acme), `mem-b` (globex) and `mem-slow` (acme, operations run for a minute). */
  readonly guests: { readonly a: string; readonly b: string; readonly slow: readonly string[] };
  /** Every log line the server wrote. */
  readonly logs: string[];
  /** Every response text seen by {@link SecurityStack.call}. */
  readonly responses: string[];
  /** How many times a handler reached the authorizer or the hypervisor resolver, or logged an RPC. */
  reached(): number;
  /** A token of a named user (minted now by their issuer). */
  token(user: keyof typeof USERS, claims?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts the {@link SecurityStack}. `watchRecheckMs` bounds how long a disabled user's stream stays open; `limits`
 * set the API's other limits (the probe budget of 1,000 a minute unless given, so the cases never meet it).
 */
export async function startSecurityStack(
  options: { watchRecheckMs?: number; limits?: HvcHandlerLimits } = {},
): Promise<SecurityStack> {
  const logs: string[] = [];
  const responses: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination: sink });
  const clock: { frozenAt?: number; offsetMs: number } = { offsetMs: 0 };
  const now = () => clock.frozenAt ?? Date.now() + clock.offsetMs;
  const stackClock = { ...systemClock, now };

  const a = await startHostileIssuer({ audience: AUDIENCE, firstAlg: 'ES256', kidPrefix: 'a' });
  const b = await startHostileIssuer({ audience: AUDIENCE, firstAlg: 'RS256', kidPrefix: 'b' });
  const impostor = await startHostileIssuer({ audience: AUDIENCE, kidPrefix: 'i' });
  const late = await startHostileIssuer({ audience: AUDIENCE, kidPrefix: 'l' });
  impostor.discoveryIssuer = 'https://impostor.example';
  late.mode = 'down';

  const store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  for (const org of ['acme', 'globex']) await store.members.createOrganization({ id: org, displayName: org });
  const issuers = { a, b, late } as const;
  const userIds = {} as Record<keyof typeof USERS, string>;
  for (const [name, [iss, org, role]] of Object.entries(USERS) as Array<
    [keyof typeof USERS, (typeof USERS)[keyof typeof USERS]]
  >) {
    const subject = name === 'b-twin' ? 'twin' : name;
    userIds[name] = (
      await store.members.addMember({ organizationId: org, issuer: issuers[iss].issuer, subject, role })
    ).user.id;
  }
  const serviceTokens = { operator: generateServiceToken(), viewer: generateServiceToken() };
  await store.serviceTokens.put({
    id: 'svc-op',
    organizationId: 'acme',
    role: 'operator',
    token: serviceTokens.operator,
  });
  await store.serviceTokens.put({
    id: 'svc-view',
    organizationId: 'acme',
    role: 'viewer',
    token: serviceTokens.viewer,
  });
  const keys: Record<string, string> = {};
  for (const [id, org, operationDurationMs] of [
    ['mem-a', 'acme', 20],
    ['mem-b', 'globex', 20],
    ['mem-slow', 'acme', 60_000],
  ] as const) {
    const { key } = await store.targets.create({
      id,
      organizationId: org,
      displayName: id,
      kind: 'memory',
      config: {
        guests: [
          { type: 'vm', name: `${id}-web` },
          { type: 'vm', name: `${id}-db` },
        ],
        operationDurationMs,
      },
    });
    keys[id] = key;
  }

  const authenticator = createAuthenticator({
    issuers: [
      createOidcVerifier(
        {
          issuer: a.issuer,
          audience: AUDIENCE,
          algorithms: ['ES256'],
          typ: 'at+jwt',
          requiredClaims: ['client_id', 'jti'],
          jwksMaxStalenessMs: 60 * 60_000,
          // Tests count this issuer's key fetches: no background refresh may land in the middle of a count, however
          // long the run takes on a loaded machine.
          jwksRefreshIntervalMs: 24 * 60 * 60_000,
        },
        stackClock,
      ),
      createOidcVerifier(
        { issuer: b.issuer, audience: AUDIENCE, algorithms: ['RS256', 'PS256'] },
        stackClock,
      ),
      createOidcVerifier({ issuer: impostor.issuer, audience: AUDIENCE, algorithms: ['ES256'] }, stackClock),
      createOidcVerifier(
        { issuer: late.issuer, audience: AUDIENCE, algorithms: ['ES256'], jwksRefreshIntervalMs: 100 },
        stackClock,
      ),
    ],
    serviceTokens: createServiceTokenVerifier(store.serviceTokens),
  });
  // Two issuers cannot start (the impostor, and the one that is down): the others serve meanwhile.
  await authenticator.start().catch(() => {});

  let reached = 0;
  const resolver = createResolver({
    connectors: {
      memory: memoryConnectorFactory,
      proxmox: () => import('@hvc/hypervisor-connector-proxmox'),
    },
    targets: (id) => store.targets.descriptor(id),
  });
  const countingResolver = {
    resolve: (...args: Parameters<typeof resolver.resolve>) => {
      reached++;
      return resolver.resolve(...args);
    },
    evict: (key: string) => resolver.evict(key),
    validateTarget: (target: Parameters<typeof resolver.validateTarget>[0]) =>
      resolver.validateTarget(target),
  };
  const authorizer = createDatabaseAuthorizer(store.db);
  const countingAuthorizer: Authorizer = {
    check: (...args) => {
      reached++;
      return authorizer.check(...args);
    },
    checkMany: (...args) => {
      reached++;
      return authorizer.checkMany(...args);
    },
    listAllowed: (...args) => {
      reached++;
      return authorizer.listAllowed(...args);
    },
  };
  const metrics = createServerMetrics();
  const handler = createHvcHandler({
    resolver: countingResolver,
    authenticator,
    authorizer: countingAuthorizer,
    store,
    logger,
    metrics,
    clock: stackClock,
    limits: {
      watchRecheckMs: options.watchRecheckMs ?? 200,
      maxDeadlineMs: 60_000,
      targetProbesPerMinute: 1_000,
      ...options.limits,
    },
  });
  const server: OnePortServer = await listenOnePort(handler, {
    host: '127.0.0.1',
    port: 0,
    headersTimeoutMs: 1_000,
    requestTimeoutMs: 10_000,
  });
  const raw = createRawClient(server.url);
  const guestA = (await (await resolver.resolve(keys['mem-a']!)).listGuests())[0]!.id;
  const guestB = (await (await resolver.resolve(keys['mem-b']!)).listGuests())[0]!.id;
  const guestSlow = (await (await resolver.resolve(keys['mem-slow']!)).listGuests()).map((g) => g.id);

  return {
    url: server.url,
    raw: {
      async call(protocol, path, call) {
        const outcome = await raw.call(protocol, path, call);
        responses.push(outcome.text);
        return outcome;
      },
      close: () => raw.close(),
    },
    store,
    metrics,
    authenticator,
    a,
    b,
    impostor,
    late,
    clock,
    userIds,
    serviceTokens,
    guests: { a: guestA, b: guestB, slow: guestSlow },
    logs,
    responses,
    reached: () => reached + logs.filter((l) => l.includes('"msg":"rpc')).length,
    token(user, claims = {}) {
      const [iss] = USERS[user];
      const subject = user === 'b-twin' ? 'twin' : user;
      return issuers[iss].mint({ sub: subject, ...claims }, { at: now() });
    },
    async close() {
      raw.close();
      await server.close(1_000);
      await resolver.close();
      authenticator.close();
      await store.close();
      for (const issuer of [a, b, impostor, late]) await issuer.close();
    },
  };
}
