import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';

/** How to log in to a server, as its `/.well-known/hvc` says. */
export interface LoginInfo {
  /** The OIDC issuer. */
  readonly issuer: string;
  /** The public client id registered there for native clients. */
  readonly clientId: string;
  /** The audience (RFC 8707 resource) of the API's access tokens. */
  readonly audience: string;
  /** The scopes to ask for, space separated. */
  readonly scope: string;
}

/**
 * Asks the server where to log in (`GET /.well-known/hvc`, no token). Undefined when the server offers no
 * interactive login (service tokens only, or the demo's dev issuer).
 */
export async function fetchLoginInfo(server: string, signal: AbortSignal): Promise<LoginInfo | undefined> {
  const url = `${server}/.well-known/hvc`;
  let response: Response;
  try {
    response = await fetch(url, { signal, headers: { accept: 'application/json' } });
  } catch (error) {
    throw new CliError(`cannot reach ${server}: ${causeOf(error)}`, EXIT.unavailable);
  }
  if (!response.ok) {
    throw new CliError(
      `${url} answered HTTP ${response.status}: is ${server} an hvc-server?`,
      response.status === 404 ? EXIT.notFound : EXIT.unavailable,
    );
  }
  const body = (await response.json().catch(() => undefined)) as
    | { login?: Record<string, unknown> }
    | undefined;
  const login = body?.login;
  if (login === undefined) return undefined;
  const { issuer, clientId, audience, scope } = login;
  if (typeof issuer !== 'string' || typeof clientId !== 'string' || typeof audience !== 'string')
    throw new CliError(`${url}: the login section lacks the issuer, client id or audience`, EXIT.error);
  return { issuer, clientId, audience, scope: typeof scope === 'string' ? scope : 'openid offline_access' };
}

/** The innermost message of a fetch failure (`fetch failed` says nothing; its cause does). */
function causeOf(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
