import type { HvcStore } from '../storage/hvc-store.js';
import { ConfigError, type ServerConfig } from './server-config.js';

/**
 * Refuses a server that could authenticate no one: no OIDC issuer and no enabled service token, from the
 * configuration or issued into the database by `hvc-server bootstrap`. Every API call would be UNAUTHENTICATED;
 * `devMode` (`HVC_DEV_MODE`) starts it all the same, for development only.
 */
export async function requireAuthenticationSource(config: ServerConfig, store: HvcStore): Promise<void> {
  if (config.devMode || config.oidc.issuers.length > 0) return;
  if ((await store.serviceTokens.listEnabled()).length > 0) return;
  throw new ConfigError(
    'no authentication source, so every API call would be refused: set an OIDC issuer (HVC_OIDC_ISSUER and ' +
      'HVC_OIDC_AUDIENCE, or oidc.issuers), a service token (HVC_SERVICE_TOKEN with ' +
      'HVC_SERVICE_TOKEN_ORGANIZATION and HVC_SERVICE_TOKEN_ROLE, or serviceTokens), or issue one with ' +
      '`hvc-server bootstrap --organization <id>`; for development only, HVC_DEV_MODE=true starts without one',
  );
}
