import { type Clock, systemClock } from '@hvc/hypervisor-connector-kit';
import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { AuthFailure, type AuthFailureReason } from './auth-failure.js';
import type { VerifiedIdentity } from './identity.js';
import { fetchPublicJwks } from './jwks-fetch.js';
import { assertSecureUrl, discoverIssuer } from './oidc-discovery.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** The asymmetric algorithms an issuer may be configured with; symmetric ones are never accepted. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** One trusted OIDC issuer of access tokens. */
export interface OidcIssuerConfig {
  /** The issuer URL, exactly as tokens carry it in `iss`. */
  readonly issuer: string;
  /** The audience (or audiences) tokens must carry in `aud`: this API's identifier. */
  readonly audience: string | readonly string[];
  /** Accepted signing algorithms (asymmetric only). */
  readonly algorithms: readonly string[];
  /** Skip discovery and read the keys from here. */
  readonly jwksUri?: string;
  /** The JWT `typ` header required, e.g. `at+jwt` for RFC 9068 access tokens; not checked when absent. */
  readonly typ?: string;
  /** Claims that must be present; `exp`, `iat` and `sub` always are. */
  readonly requiredClaims?: readonly string[];
  /** Allowed clock skew, seconds (default 30). */
  readonly clockToleranceSeconds?: number;
  /** Tokens issued longer ago than this, or expiring further ahead, are refused, seconds (default 12 h). */
  readonly maxTokenAgeSeconds?: number;
  /** How often the keys are refreshed in the background, ms (default 5 min). */
  readonly jwksRefreshIntervalMs?: number;
  /** With no successful key refresh for this long, tokens are refused and readiness fails, ms (default 24 h). */
  readonly jwksMaxStalenessMs?: number;
}

/** The state of an issuer's keys, for readiness and metrics. */
export interface IssuerKeyState {
  readonly issuer: string;
  /** Keys are loaded and younger than the staleness ceiling. */
  readonly ready: boolean;
  /** Epoch ms of the last successful key refresh, when there was one. */
  readonly lastRefreshAt?: number;
}

/** Verifies access tokens of one issuer, with keys kept across IdP outages and refreshed in the background. */
export interface OidcVerifier {
  readonly issuer: string;
  /** Discovers the issuer and loads its keys. On failure it keeps retrying in the background and rejects. */
  start(): Promise<void>;
  verify(token: string): Promise<VerifiedIdentity>;
  keyState(): IssuerKeyState;
  close(): void;
}

/** How soon an issuer that could not be reached at start is tried again. */
const STARTUP_RETRY_MS = 10_000;

const JOSE_REASONS: Record<string, AuthFailureReason> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWKS_NO_MATCHING_KEY: 'unknown_key',
  ERR_JWKS_TIMEOUT: 'jwks_unavailable',
};

/**
 * Creates the verifier of one issuer. `clock` times token checks, the staleness ceiling and the background key
 * refreshes (default the system clock; tests give a manual one).
 */
export function createOidcVerifier(config: OidcIssuerConfig, clock: Clock = systemClock): OidcVerifier {
  const now = () => clock.now();
  for (const alg of config.algorithms) {
    if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new Error(`issuer ${config.issuer}: algorithm ${alg} is not an allowed asymmetric algorithm`);
    }
  }
  if (config.algorithms.length === 0) throw new Error(`issuer ${config.issuer}: no algorithms configured`);
  assertSecureUrl(config.issuer, 'the issuer');
  const refreshMs = config.jwksRefreshIntervalMs ?? 5 * 60_000;
  const maxStalenessMs = config.jwksMaxStalenessMs ?? 24 * 60 * 60_000;
  const toleranceSeconds = config.clockToleranceSeconds ?? 30;
  const maxTokenAgeSeconds = config.maxTokenAgeSeconds ?? 12 * 60 * 60;
  const requiredClaims = [...new Set(['exp', 'iat', 'sub', ...(config.requiredClaims ?? [])])];

  const verified = new VerifiedTokenCache();
  let jwks: (JWTVerifyGetKey & { reload(): Promise<void> }) | undefined;
  let lastRefreshAt: number | undefined;
  let timer: unknown;
  let closed = false;

  async function load(): Promise<void> {
    if (!jwks) {
      const jwksUri = config.jwksUri ?? (await discoverIssuer(config.issuer)).jwksUri;
      assertSecureUrl(jwksUri, 'the jwks_uri');
      // Keys never expire on their own: a failed refresh keeps the last good set, so an IdP outage does not stop
      // the API; the staleness ceiling below bounds how long that lasts.
      jwks = createRemoteJWKSet(new URL(jwksUri), {
        cacheMaxAge: Number.POSITIVE_INFINITY,
        cooldownDuration: 30_000,
        timeoutDuration: 5_000,
        [customFetch]: fetchPublicJwks,
      });
    }
    await jwks.reload();
    // A key may have left the set: no token is taken on an earlier check any more.
    verified.clear();
    lastRefreshAt = now();
  }

  /**
   * Refreshes in the background: every `refreshMs`, or every 10 s until the keys first load. Scheduled once a load
   * has settled, so a start that loads the keys is followed by a refresh after `refreshMs`, not by a startup retry.
   */
  function schedule(): void {
    if (closed || timer !== undefined) return;
    timer = clock.setTimeout(
      () => {
        timer = undefined;
        load()
          .catch(() => {
            // The last good keys stay in use; keyState() reports their age.
          })
          .finally(schedule);
      },
      lastRefreshAt === undefined ? Math.min(STARTUP_RETRY_MS, refreshMs) : refreshMs,
    );
    // A background refresh must not keep the process alive (the system clock's timers are Node timers).
    (timer as { unref?: () => void }).unref?.();
  }

  return {
    issuer: config.issuer,
    async start() {
      try {
        await load();
      } finally {
        schedule();
      }
    },
    async verify(token) {
      if (!jwks || lastRefreshAt === undefined) throw new AuthFailure('issuer_not_ready');
      if (now() - lastRefreshAt > maxStalenessMs) throw new AuthFailure('jwks_stale');
      const known = verified.get(token, now());
      if (known !== undefined) return known;
      let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          algorithms: [...config.algorithms],
          issuer: config.issuer,
          audience: typeof config.audience === 'string' ? config.audience : [...config.audience],
          ...(config.typ === undefined ? {} : { typ: config.typ }),
          requiredClaims,
          clockTolerance: toleranceSeconds,
          maxTokenAge: maxTokenAgeSeconds,
          currentDate: new Date(now()),
        }));
      } catch (error) {
        const code = error instanceof errors.JOSEError ? error.code : '';
        throw new AuthFailure(
          JOSE_REASONS[code] ?? (error instanceof errors.JOSEError ? 'invalid_token' : 'jwks_unavailable'),
        );
      }
      // A token that claims to live longer than the maximum age is refused: an exp of 1e300 is not an expiry.
      if ((payload.exp ?? 0) > now() / 1000 + maxTokenAgeSeconds + toleranceSeconds)
        throw new AuthFailure('invalid_token');
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new AuthFailure('invalid_token');
      for (const claim of ['client_id', 'scope'] as const) {
        if (payload[claim] !== undefined && typeof payload[claim] !== 'string')
          throw new AuthFailure('invalid_token');
      }
      const identity: VerifiedIdentity = {
        kind: 'oidc',
        issuer: config.issuer,
        subject: payload.sub,
        claims: payload,
      };
      verified.set(token, identity, payload.exp ?? 0, now());
      return identity;
    },
    keyState() {
      const ready = lastRefreshAt !== undefined && now() - lastRefreshAt <= maxStalenessMs;
      return { issuer: config.issuer, ready, ...(lastRefreshAt === undefined ? {} : { lastRefreshAt }) };
    },
    close() {
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
