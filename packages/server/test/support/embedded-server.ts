import { memoryConnectorFactory } from '@hvc/hypervisor-connector-memory';
import { createResolver } from '@hvc/hypervisor-resolver';
import { createAuthenticator } from '../../src/authn/authenticator.js';
import { createOidcVerifier } from '../../src/authn/oidc-verifier.js';
import { createServiceTokenVerifier } from '../../src/authn/service-token-verifier.js';
import { createDatabaseAuthorizer } from '../../src/authz/database-authorizer.js';
import { createHvcHandler } from '../../src/http/hvc-handler.js';
import { listenOnePort } from '../../src/http/one-port-server.js';
import { createCredentialCipher } from '../../src/storage/credential-cipher.js';
import { openSqliteStore } from '../../src/storage/hvc-store.js';

/** The API built from its parts with `createHvcHandler`, as a control plane embeds it, on a loopback port. */
export async function startEmbeddedServer(options: {
  readonly database: string;
  readonly key: Buffer;
  readonly issuer: string;
  readonly audience: string;
}): Promise<{ url: string; close(): Promise<void> }> {
  const store = await openSqliteStore(options.database, createCredentialCipher(options.key));
  const authenticator = createAuthenticator({
    issuers: [
      createOidcVerifier({
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['ES256'],
        typ: 'at+jwt',
      }),
    ],
    serviceTokens: createServiceTokenVerifier(store.serviceTokens),
  });
  await authenticator.start();
  const resolver = createResolver({
    connectors: {
      memory: memoryConnectorFactory,
      proxmox: () => import('@hvc/hypervisor-connector-proxmox'),
    },
    targets: (id) => store.targets.descriptor(id),
  });
  const handler = createHvcHandler({
    resolver,
    authenticator,
    authorizer: createDatabaseAuthorizer(store.db),
    store,
  });
  const server = await listenOnePort(handler, { host: '127.0.0.1', port: 0 });
  return {
    url: server.url,
    async close() {
      await server.close();
      await resolver.close();
      authenticator.close();
      await store.close();
    },
  };
}
