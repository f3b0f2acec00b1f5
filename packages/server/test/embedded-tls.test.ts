import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from '@connectrpc/connect-node';
import { GuestService, OperationService, OperationStatus } from '@hvc/client/v1';
import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/authn/authenticator.js';
import { createOidcVerifier } from '../src/authn/oidc-verifier.js';
import { createServiceTokenVerifier } from '../src/authn/service-token-verifier.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import { createHvcHandler } from '../src/http/hvc-handler.js';
import { listenOnePort } from '../src/http/one-port-server.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { generateServiceToken } from '../src/storage/service-token-store.js';
import { startTestIssuer, type TestIssuer } from './support/test-issuer.js';

let idp: TestIssuer;
let store: HvcStore;
let handler: ReturnType<typeof createHvcHandler>;
let cert: string;
let key: string;
const serviceToken = generateServiceToken();
const resolver = createResolver({
  connectors: { memory: memoryConnectorFactory },
  targets: (id) => store.targets.descriptor(id),
});
const authenticator = () =>
  createAuthenticator({
    issuers: [createOidcVerifier({ issuer: idp.issuer, audience: idp.audience, algorithms: ['ES256'] })],
    serviceTokens: createServiceTokenVerifier(store.serviceTokens),
  });

beforeAll(async () => {
  idp = await startTestIssuer();
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
  await store.members.addMember({
    organizationId: 'acme',
    issuer: idp.issuer,
    subject: 'alice',
    role: 'operator',
  });
  await store.serviceTokens.put({ id: 'robot', organizationId: 'acme', role: 'viewer', token: serviceToken });
  await store.targets.create({
    id: 'mem-1',
    organizationId: 'acme',
    displayName: 'memory',
    kind: 'memory',
    config: { guests: [{ type: 'vm', name: 'web-1' }], operationDurationMs: 300 },
  });
  const auth = authenticator();
  await auth.start();
  handler = createHvcHandler({
    resolver,
    authenticator: auth,
    authorizer: createDatabaseAuthorizer(store.db),
    store,
  });
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  cert = pems.cert;
  key = pems.private;
});

afterAll(async () => {
  await resolver.close();
  await store.close();
  await idp.close();
});

describe('the API embedded in your own server', () => {
  it('mounts on a plain node:http server', async () => {
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const guests = createClient(GuestService, createConnectTransport({ baseUrl, httpVersion: '1.1' }));
      const page = await guests.listGuests(
        { targetId: 'mem-1' },
        { headers: { authorization: `Bearer ${serviceToken}` } },
      );
      expect(page.guests.map((g) => g.name)).toEqual(['web-1']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('one TLS port', () => {
  it('serves gRPC over h2 and Connect and gRPC-Web over HTTP/1.1, chosen by ALPN, and drains on close', async () => {
    const server = await listenOnePort(handler, { host: '127.0.0.1', port: 0, tls: { cert, key } });
    const nodeOptions = { ca: cert };
    const transports: Record<string, Transport> = {
      grpc: createGrpcTransport({ baseUrl: server.url, nodeOptions }),
      connect: createConnectTransport({ baseUrl: server.url, httpVersion: '1.1', nodeOptions }),
      'grpc-web': createGrpcWebTransport({ baseUrl: server.url, httpVersion: '1.1', nodeOptions }),
    };
    const alice = { headers: { authorization: `Bearer ${await idp.mint({ sub: 'alice' })}` } };
    for (const [name, transport] of Object.entries(transports)) {
      const page = await createClient(GuestService, transport).listGuests({ targetId: 'mem-1' }, alice);
      expect([name, page.guests.length]).toEqual([name, 1]);
    }
    expect(server.url.startsWith('https://')).toBe(true);

    // A watch that is running when the server closes is drained to its end.
    const { operation } = await createClient(GuestService, transports.grpc!).startGuest(
      { targetId: 'mem-1', guestId: 'vm/100' },
      alice,
    );
    const statuses: OperationStatus[] = [];
    const watching = (async () => {
      for await (const update of createClient(OperationService, transports.grpc!).watchOperation(
        { targetId: 'mem-1', operationId: operation!.id },
        alice,
      )) {
        statuses.push(update.operation!.status);
      }
    })();
    while (statuses.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await server.close(10_000);
    await watching;
    expect(statuses.at(-1)).toBe(OperationStatus.SUCCEEDED);
  });
});
