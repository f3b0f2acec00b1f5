import * as oidc from 'openid-client';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import type { CredentialStore } from './credential-store.js';
import { issuerClient } from './issuer-client.js';
import type { StoredLogin } from './stored-login.js';
import { storedLoginOf } from './token-response.js';

/** Refresh an access token this long before it expires, so a call never leaves with one about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

/** What the token source reports for `--debug` (never a token). */
export type TokenEvent = 'environment' | 'stored' | 'refreshed';

/**
 * The bearer token for calls to `server`: `HVC_TOKEN` when set (scripts, service tokens); otherwise the stored
 * login, refreshed with its refresh token when it is about to expire and saved again. One refresh at a time, shared
 * by the calls that wait for it.
 */
export function tokenSource(
  server: string,
  env: NodeJS.ProcessEnv,
  store: CredentialStore,
  onEvent: (event: TokenEvent) => void,
): () => Promise<string> {
  let current: Promise<StoredLogin> | undefined;
  const fresh = async (): Promise<StoredLogin> => {
    const login = await store.load(server);
    if (login === undefined) {
      throw new CliError(
        `not logged in to ${server}`,
        EXIT.unauthenticated,
        'run `hvc login` (or set HVC_TOKEN)',
      );
    }
    if (login.expiresAt === undefined || login.expiresAt - Date.now() > REFRESH_MARGIN_MS) {
      onEvent('stored');
      return login;
    }
    const refreshed = await refresh(login);
    await store.save(refreshed);
    onEvent('refreshed');
    return refreshed;
  };
  return async () => {
    const fromEnv = env.HVC_TOKEN;
    if (fromEnv !== undefined && fromEnv !== '') {
      onEvent('environment');
      return fromEnv;
    }
    if (current === undefined) current = fresh();
    const login = await current.catch((error: unknown) => {
      current = undefined;
      throw error;
    });
    if (login.expiresAt !== undefined && login.expiresAt - Date.now() <= REFRESH_MARGIN_MS)
      current = undefined;
    return login.accessToken;
  };
}

async function refresh(login: StoredLogin): Promise<StoredLogin> {
  const expired = new CliError(
    `the login to ${login.server} has expired`,
    EXIT.unauthenticated,
    'run `hvc login` again',
  );
  const { refreshToken, issuer, clientId, audience } = login;
  if (refreshToken === undefined || issuer === undefined || clientId === undefined || audience === undefined)
    throw expired;
  const config = await issuerClient(issuer, clientId);
  try {
    const tokens = await oidc.refreshTokenGrant(config, refreshToken, { resource: audience });
    return storedLoginOf(login.server, { issuer, clientId, audience }, tokens, login);
  } catch (error) {
    if ((error as { error?: string }).error === 'invalid_grant') throw expired;
    throw new CliError(`cannot refresh the login: ${(error as Error).message}`, EXIT.unauthenticated);
  }
}
