import { decodeJwt } from 'jose';
import { SERVICE_TOKEN_PREFIX } from '../storage/service-token-store.js';
import { AuthFailure } from './auth-failure.js';
import type { TokenVerifier, VerifiedIdentity } from './identity.js';
import type { IssuerKeyState, OidcVerifier } from './oidc-verifier.js';

/** Three base64url segments: a compact JWS. Anything else is refused before decoding or any key fetch. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Verifies bearer tokens: service tokens by prefix, JWTs by their (unverified) issuer's verifier. */
export interface Authenticator extends TokenVerifier {
  /** The key state of each OIDC issuer, for readiness and metrics. */
  issuerStates(): IssuerKeyState[];
  /** Starts every issuer (discovery and first key load). Rejects when one cannot start yet; they keep retrying. */
  start(): Promise<void>;
  close(): void;
}

/** Builds an {@link Authenticator} from OIDC issuers and an optional service-token verifier. */
export function createAuthenticator(parts: {
  readonly issuers: readonly OidcVerifier[];
  readonly serviceTokens?: TokenVerifier;
}): Authenticator {
  const byIssuer = new Map(parts.issuers.map((v) => [v.issuer, v]));
  return {
    async verify(token): Promise<VerifiedIdentity> {
      if (token.startsWith(SERVICE_TOKEN_PREFIX)) {
        if (!parts.serviceTokens) throw new AuthFailure('invalid_service_token');
        return parts.serviceTokens.verify(token);
      }
      if (!COMPACT_JWS.test(token)) throw new AuthFailure('malformed_token');
      let issuer: unknown;
      try {
        issuer = decodeJwt(token).iss;
      } catch {
        throw new AuthFailure('malformed_token');
      }
      // The unverified issuer only picks a verifier; an unknown one costs no network call.
      const verifier = typeof issuer === 'string' ? byIssuer.get(issuer) : undefined;
      if (!verifier) throw new AuthFailure('unknown_issuer');
      return verifier.verify(token);
    },
    issuerStates: () => parts.issuers.map((v) => v.keyState()),
    async start() {
      const results = await Promise.allSettled(parts.issuers.map((v) => v.start()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    close() {
      for (const v of parts.issuers) v.close();
    },
  };
}
