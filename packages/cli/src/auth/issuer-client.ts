import * as oidc from 'openid-client';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';

/** Whether a URL's host is this machine (plain http is allowed there only, as for the server's own issuers). */
function isLoopback(url: URL): boolean {
  return (
    url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname)
  );
}

/**
 * The issuer's OIDC configuration for a public native client (no secret), from its discovery document. The issuer
 * must use https, except on loopback.
 */
export async function issuerClient(issuer: string, clientId: string): Promise<oidc.Configuration> {
  const url = new URL(issuer);
  const insecure = url.protocol === 'http:';
  if (insecure && !isLoopback(url))
    throw new CliError(
      `the issuer ${issuer} does not use https; refusing to send credentials to it`,
      EXIT.error,
    );
  try {
    return await oidc.discovery(
      url,
      clientId,
      { token_endpoint_auth_method: 'none' },
      oidc.None(),
      insecure ? { execute: [oidc.allowInsecureRequests] } : {},
    );
  } catch (error) {
    throw new CliError(`cannot use the issuer ${issuer}: ${(error as Error).message}`, EXIT.unavailable);
  }
}

/** The claims worth keeping from a token response: who logged in. */
export function identityOf(tokens: oidc.TokenEndpointResponseHelpers): { subject?: string; name?: string } {
  const claims = tokens.claims();
  if (claims === undefined) return {};
  const name = [claims.preferred_username, claims.email, claims.name].find((v) => typeof v === 'string');
  return { subject: claims.sub, ...(typeof name === 'string' ? { name } : {}) };
}
