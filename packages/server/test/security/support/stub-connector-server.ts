import { randomBytes } from 'node:crypto';
import type { HypervisorConnector } from '@hvc/hypervisor-connector';
import { createAuthenticator } from '../../../src/authn/authenticator.js';
import { createServiceTokenVerifier } from '../../../src/authn/service-token-verifier.js';
import { createDatabaseAuthorizer } from '../../../src/authz/database-authorizer.js';
import type { ConnectorResolver } from '../../../src/connectors/connector-resolver.js';
import { createHvcHandler } from '../../../src/http/hvc-handler.js';
import { listenOnePort } from '../../../src/http/one-port-server.js';
import { createCredentialCipher } from '../../../src/storage/credential-cipher.js';
import { openSqliteStore } from '../../../src/storage/hvc-store.js';
import { generateServiceToken } from '../../../src/storage/service-token-store.js';

/** The API on loopback with one target, `pve-1` of `acme`, whose connector is `connector`, and an operator token. */
export async function startStubConnectorServer(
  connector: Partial<HypervisorConnector>,
): Promise<{ url: string; token: string; close(): Promise<void> }> {
  const token = generateServiceToken();
  const store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
  await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
  await store.serviceTokens.put({ id: 'svc-op', organizationId: 'acme', role: 'operator', token });
  await store.targets.create({
    organizationId: 'acme',
    id: 'pve-1',
    displayName: 'PVE',
    kind: 'proxmox',
    config: { endpoints: ['https://pve.example:8006'] },
  });
  const resolver: ConnectorResolver = {
    resolve: async () => connector as HypervisorConnector,
    validateTarget: async (target) => target.config,
    evict: async () => undefined,
  };
  const authenticator = createAuthenticator({
    issuers: [],
    serviceTokens: createServiceTokenVerifier(store.serviceTokens),
  });
  await authenticator.start();
  const handler = createHvcHandler({
    resolver,
    authenticator,
    authorizer: createDatabaseAuthorizer(store.db),
    store,
  });
  const server = await listenOnePort(handler, { host: '127.0.0.1', port: 0 });
  return {
    url: server.url,
    token,
    async close() {
      await server.close(100);
      authenticator.close();
      await store.close();
    },
  };
}
