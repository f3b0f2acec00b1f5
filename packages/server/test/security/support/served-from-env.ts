import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ConnectError } from '@connectrpc/connect';
import { loadServerConfig } from '../../../src/bootstrap/server-config.js';
import { type RunningServer, startServer } from '../../../src/bootstrap/start-server.js';
import { createLogger } from '../../../src/observability/logger.js';
import { generateServiceToken } from '../../../src/storage/service-token-store.js';

/** A server as `hvc-server serve` makes it, and the call options of an admin of its organisation `acme`. */
export interface ServedFromEnv {
  readonly server: RunningServer;
  readonly auth: { readonly headers: { readonly authorization: string } };
}

/**
 * `hvc-server serve`'s server, configured from these variables (a SQLite file `NAME.sqlite` in `dir`, a fresh
 * key), with organisation `acme` and an admin service token of it.
 */
export async function serveFromEnv(
  dir: string,
  name: string,
  env: Record<string, string>,
): Promise<ServedFromEnv> {
  const token = generateServiceToken();
  const server = await startServer(
    loadServerConfig({
      HVC_PORT: '0',
      HVC_DATABASE_FILE: join(dir, `${name}.sqlite`),
      HVC_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      HVC_BOOTSTRAP_ORGANIZATION: 'acme',
      HVC_BOOTSTRAP_ADMIN_ISSUER: 'https://idp.example',
      HVC_BOOTSTRAP_ADMIN_SUBJECT: 'admin',
      HVC_SERVICE_TOKEN: token,
      HVC_SERVICE_TOKEN_ORGANIZATION: 'acme',
      HVC_SERVICE_TOKEN_ROLE: 'admin',
      ...env,
    }),
    { logger: createLogger({ level: 'silent' }) },
  );
  return { server, auth: { headers: { authorization: `Bearer ${token}` } } };
}

/** The error a call fails with, or `undefined` when it succeeds. */
export async function failure(call: Promise<unknown>): Promise<ConnectError | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return ConnectError.from(error);
  }
}
