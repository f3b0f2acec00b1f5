import { randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { GuestService } from '@hvc/client/v1';
import type { CallOptions, HypervisorConnector } from '@hvc/hypervisor-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/authn/authenticator.js';
import { createOidcVerifier } from '../src/authn/oidc-verifier.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import type { ConnectorResolver } from '../src/connectors/connector-resolver.js';
import { createHvcHandler } from '../src/http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../src/http/one-port-server.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { startTestIssuer, type TestIssuer } from './support/test-issuer.js';

const CALLS = 64;

/** A resolver that holds every call until `release()`, or until the call's signal aborts. */
class GatedResolver implements ConnectorResolver {
  waiting = 0;
  #open: (() => void) | undefined;
  readonly #gate = new Promise<void>((resolve) => {
    this.#open = resolve;
  });
  #arrived: (() => void) | undefined;
  readonly allArrived = new Promise<void>((resolve) => {
    this.#arrived = resolve;
  });

  async resolve(_targetId: string, options: CallOptions = {}): Promise<HypervisorConnector> {
    this.waiting += 1;
    if (this.waiting === CALLS) this.#arrived?.();
    await new Promise<void>((resolve, reject) => {
      const signal = options.signal;
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      void this.#gate.then(resolve);
    });
    throw new ConnectError('released', Code.FailedPrecondition);
  }

  async evict(): Promise<void> {}

  async validateTarget(): Promise<void> {}

  release(): void {
    this.#open?.();
  }
}

let idp: TestIssuer;
let store: HvcStore;
let token: string;
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

beforeAll(async () => {
  process.on('warning', onWarning);
  idp = await startTestIssuer();
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
  await store.members.addMember({
    organizationId: 'acme',
    issuer: idp.issuer,
    subject: 'op',
    role: 'operator',
  });
  await store.targets.create({
    id: 'lab',
    organizationId: 'acme',
    displayName: 'Lab',
    kind: 'memory',
    config: {},
  });
  token = await idp.mint({ sub: 'op' }, { expIn: 3600 });
});

afterAll(async () => {
  process.off('warning', onWarning);
  await store.close();
  await idp.close();
});

async function serve(resolver: ConnectorResolver, shutdownSignal: AbortSignal): Promise<OnePortServer> {
  const authenticator = createAuthenticator({
    issuers: [createOidcVerifier({ issuer: idp.issuer, audience: idp.audience, algorithms: ['ES256'] })],
  });
  await authenticator.start();
  const handler = createHvcHandler({
    resolver,
    authenticator,
    authorizer: createDatabaseAuthorizer(store.db),
    store,
    shutdownSignal,
  });
  return listenOnePort(handler, { host: '127.0.0.1', port: 0 });
}

/** A server on `protocol` with {@link CALLS} `GetGuest` calls started; each call settles to 'ok' or its code. */
async function startCalls(protocol: 'connect' | 'grpc') {
  warnings.length = 0;
  const shutdown = new AbortController();
  const resolver = new GatedResolver();
  const server = await serve(resolver, shutdown.signal);
  const transport =
    protocol === 'connect'
      ? createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' })
      : createGrpcTransport({ baseUrl: server.url });
  const client = createClient(GuestService, transport);
  const headers = { authorization: `Bearer ${token}` };
  const calls = Array.from({ length: CALLS }, () =>
    client.getGuest({ targetId: 'lab', guestId: 'vm-1' }, { headers }).then(
      () => 'ok',
      (error: unknown) => ConnectError.from(error).code,
    ),
  );
  return { shutdown, resolver, server, calls };
}

describe.each(['connect', 'grpc'] as const)('the shutdown signal, over %s', (protocol) => {
  it(`carries one listener with ${CALLS} calls in flight, no listener warning, and aborts them all`, async () => {
    const { shutdown, resolver, server, calls } = await startCalls(protocol);
    await resolver.allArrived;
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    shutdown.abort(new Error('shutting down'));
    const codes = await Promise.all(calls);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    expect(codes.filter((code) => code === Code.FailedPrecondition || code === 'ok')).toEqual([]);
    await server.close();
  });

  it(`leaves no listener behind after ${CALLS} calls that end normally`, async () => {
    const { shutdown, resolver, server, calls } = await startCalls(protocol);
    await resolver.allArrived;
    resolver.release();
    expect(new Set(await Promise.all(calls))).toEqual(new Set([Code.FailedPrecondition]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    await server.close();
  });
});
