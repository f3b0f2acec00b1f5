import { randomBytes } from 'node:crypto';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { createResolver } from '@hvc/hypervisor-resolver';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAuthenticator } from '../src/authn/authenticator.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import { Health } from '../src/gen/grpc/health/v1/health_pb.js';
import { createHvcHandler } from '../src/http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../src/http/one-port-server.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';

let store: HvcStore;
let server: OnePortServer;

beforeAll(async () => {
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  const handler = createHvcHandler({
    resolver: createResolver({ connectors: {} }),
    authenticator: createAuthenticator({ issuers: [] }),
    authorizer: createDatabaseAuthorizer(store.db),
    store,
  });
  server = await listenOnePort(handler, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server.close();
  await store.close();
});

it('records no audit event for health checks, over Connect or gRPC', async () => {
  for (const transport of [
    createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }),
    createGrpcTransport({ baseUrl: server.url }),
  ]) {
    const health = createClient(Health, transport);
    for (let i = 0; i < 3; i++) await health.check({ service: '' });
  }
  expect(await store.audit.list({ limit: 100 })).toEqual([]);
});
