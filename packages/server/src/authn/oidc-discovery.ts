import { isLoopbackHost } from './loopback.js';

/** What the server takes from an issuer's discovery document. */
export interface IssuerMetadata {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly signingAlgorithms?: readonly string[];
}

/** Plain http is allowed only on loopback (a local issuer); everything else must be https. */
export function assertSecureUrl(url: string, what: string): URL {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return parsed;
  throw new Error(`${what} must be an https URL (http only on loopback)`);
}

/**
 * Reads `{issuer}/.well-known/openid-configuration` and checks that it names the same issuer, byte for byte, and an
 * https `jwks_uri`.
 */
export async function discoverIssuer(issuer: string, signal?: AbortSignal): Promise<IssuerMetadata> {
  const url = `${assertSecureUrl(issuer, 'the issuer').href.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { redirect: 'error', signal: signal ?? AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`discovery for ${issuer} answered HTTP ${response.status}`);
  const body = (await response.json()) as Record<string, unknown>;
  if (body.issuer !== issuer) throw new Error(`discovery for ${issuer} names another issuer`);
  if (typeof body.jwks_uri !== 'string') throw new Error(`discovery for ${issuer} has no jwks_uri`);
  assertSecureUrl(body.jwks_uri, 'the jwks_uri');
  const algs = body.id_token_signing_alg_values_supported;
  return {
    issuer,
    jwksUri: body.jwks_uri,
    ...(Array.isArray(algs)
      ? { signingAlgorithms: algs.filter((a): a is string => typeof a === 'string') }
      : {}),
  };
}
