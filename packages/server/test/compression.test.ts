import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/authn/authenticator.js';
import { createServiceTokenVerifier } from '../src/authn/service-token-verifier.js';
import { createDatabaseAuthorizer } from '../src/authz/database-authorizer.js';
import { createHvcHandler } from '../src/http/hvc-handler.js';
import { listenOnePort, type OnePortServer } from '../src/http/one-port-server.js';
import { createCredentialCipher } from '../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../src/storage/hvc-store.js';
import { generateServiceToken } from '../src/storage/service-token-store.js';

let store: HvcStore;
const servers: OnePortServer[] = [];

const token = generateServiceToken();

beforeAll(async () => {
  store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
  await store.serviceTokens.put({ id: 'robot', organizationId: 'acme', role: 'viewer', token });
  // Forty guests: a ListGuests answer of a few KiB, above the RPC layer's own 1 KiB threshold.
  const guests = Array.from({ length: 40 }, (_, i) => ({ type: 'vm', name: `web-${i}` }));
  await store.targets.create({
    id: 'lab',
    organizationId: 'acme',
    displayName: 'Lab',
    kind: 'memory',
    config: { guests },
  });
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await store.close();
});

async function serve(compressMinBytes?: number): Promise<string> {
  const handler = createHvcHandler({
    resolver: createResolver({
      connectors: { memory: memoryConnectorFactory },
      targets: (id) => store.targets.descriptor(id),
    }),
    authenticator: createAuthenticator({
      issuers: [],
      serviceTokens: createServiceTokenVerifier(store.serviceTokens),
    }),
    authorizer: createDatabaseAuthorizer(store.db),
    store,
    ...(compressMinBytes === undefined ? {} : { limits: { compressMinBytes } }),
  });
  const server = await listenOnePort(handler, { host: '127.0.0.1', port: 0 });
  servers.push(server);
  return server.url;
}

/** A Connect ListGuests that accepts gzip: the answer's size on the wire and its content encoding. */
function listGuests(url: string): Promise<{ bytes: number; encoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/hvc.v1.GuestService/ListGuests`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'accept-encoding': 'gzip',
        authorization: `Bearer ${token}`,
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      expect(res.statusCode).toBe(200);
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'] }));
    });
    req.end(JSON.stringify({ targetId: 'lab' }));
  });
}

describe('response compression', () => {
  it('sends an answer of a few KiB uncompressed by default, even to a client that accepts gzip', async () => {
    const answer = await listGuests(await serve());
    expect(answer.bytes).toBeGreaterThan(2048);
    expect(answer.encoding).toBeUndefined();
  });

  it('compresses answers from the configured size up', async () => {
    expect((await listGuests(await serve(1024))).encoding).toBe('gzip');
  });
});
