import type { FetchImplementation } from 'jose';

/** JWK members that only private or symmetric keys have. */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * Fetches a JWKS for the verifier and refuses a set that holds private or symmetric key material: an issuer that
 * publishes its secrets is broken, so the fetch fails and the last good keys stay in use. Redirects and other
 * statuses are refused by the caller.
 */
export const fetchPublicJwks: FetchImplementation = async (url, options) => {
  const response = await fetch(url, options);
  if (response.status !== 200) return response;
  const text = await response.text();
  const keys = (JSON.parse(text) as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new Error('the JWKS has no keys array');
  for (const key of keys) {
    if (typeof key !== 'object' || key === null)
      throw new Error('the JWKS holds a key that is not an object');
    const jwk = key as Record<string, unknown>;
    if (jwk.kty === 'oct' || SECRET_MEMBERS.some((m) => m in jwk))
      throw new Error('the JWKS holds private or symmetric key material');
  }
  return new Response(text, { status: 200, headers: response.headers });
};
