import { randomBytes } from 'node:crypto';
import { createResolver } from '@hvc/hypervisor-resolver';
import { createPveFake, type PveFake, type PveFakeOptions } from '@hvc/pve-fake';
import { createAuthenticator } from '../../src/authn/authenticator.js';
import { createOidcVerifier } from '../../src/authn/oidc-verifier.js';
import { createDatabaseAuthorizer } from '../../src/authz/database-authorizer.js';
import { createHvcHandler } from '../../src/http/hvc-handler.js';
import { listenOnePort } from '../../src/http/one-port-server.js';
import { createCredentialCipher } from '../../src/storage/credential-cipher.js';
import { type HvcStore, openSqliteStore } from '../../src/storage/hvc-store.js';
import { startHostileIssuer } from '../security/support/hostile-issuer.js';

/** The API in front of the PVE fake over HTTPS: one organisation (`acme`), one admin, one target (`pve`). */
export interface PveApiStack {
  /** The API's base URL. */
  readonly url: string;
  readonly fake: PveFake;
  readonly store: HvcStore;
  /** The admin `root`'s `authorization` header. */
  readonly headers: Readonly<Record<'authorization', string>>;
  close(): Promise<void>;
}

/**
 * Starts the PVE fake made with `fake` and the API in front of it, with an issuer of `audience` whose `root` is an
 * admin of `acme`, and the target `pve` (the fake's endpoint pinned by fingerprint, its API token).
 */
export async function startPveApiStack(options: {
  readonly audience: string;
  readonly fake?: PveFakeOptions;
}): Promise<PveApiStack> {
  const fake = createPveFake(options.fake);
  // What is started so far, closed in reverse order (also when a later step fails).
  const closers: Array<() => unknown> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    closers.push(() => fake.close());
    const pve = await fake.listen();
    closers.push(() => pve.close());
    const idp = await startHostileIssuer({ audience: options.audience });
    closers.push(() => idp.close());
    const store = await openSqliteStore(':memory:', createCredentialCipher(randomBytes(32)));
    closers.push(() => store.close());
    await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
    await store.members.addMember({
      organizationId: 'acme',
      issuer: idp.issuer,
      subject: 'root',
      role: 'admin',
    });
    await store.targets.create({
      id: 'pve',
      organizationId: 'acme',
      displayName: 'PVE',
      kind: 'proxmox',
      config: { endpoints: [{ url: pve.url, fingerprint: pve.fingerprint }] },
      credentials: { type: 'token', tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret },
    });
    const resolver = createResolver({
      connectors: { proxmox: () => import('@hvc/hypervisor-connector-proxmox') },
      targets: (id) => store.targets.descriptor(id),
    });
    closers.push(() => resolver.close());
    const authenticator = createAuthenticator({
      issuers: [createOidcVerifier({ issuer: idp.issuer, audience: idp.audience, algorithms: ['ES256'] })],
    });
    closers.push(() => authenticator.close());
    await authenticator.start();
    const server = await listenOnePort(
      createHvcHandler({ resolver, authenticator, authorizer: createDatabaseAuthorizer(store.db), store }),
      { host: '127.0.0.1', port: 0 },
    );
    closers.push(() => server.close(1_000));
    const token = await idp.mint({ sub: 'root' }, { typ: null });
    return { url: server.url, fake, store, headers: { authorization: `Bearer ${token}` }, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
