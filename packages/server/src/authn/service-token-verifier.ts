import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServiceTokenStore } from '../storage/service-token-store.js';
import { AuthFailure } from './auth-failure.js';
import type { TokenVerifier } from './identity.js';

/**
 * Verifies static service tokens against the stored hashes. The presented token is hashed first, so every
 * comparison is between two 32-byte digests (`timingSafeEqual` needs equal lengths and leaks nothing about where
 * they differ), and every stored token is compared, so the time does not depend on which one matched.
 */
export function createServiceTokenVerifier(tokens: ServiceTokenStore): TokenVerifier {
  return {
    async verify(token) {
      const presented = createHash('sha256').update(token, 'utf8').digest();
      let match: Awaited<ReturnType<ServiceTokenStore['listEnabled']>>[number] | undefined;
      for (const candidate of await tokens.listEnabled()) {
        const stored = Buffer.from(candidate.tokenSha256, 'hex');
        if (stored.length === presented.length && timingSafeEqual(stored, presented)) match = candidate;
      }
      if (!match) throw new AuthFailure('invalid_service_token');
      return { kind: 'service', tokenId: match.id, organizationId: match.organizationId, role: match.role };
    },
  };
}
