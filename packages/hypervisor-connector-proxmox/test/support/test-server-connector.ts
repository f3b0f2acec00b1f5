import { createProxmoxConnector, type ProxmoxConfigInput } from '../../src/index.js';
import type { HttpsTestServer } from './https-test-server.js';

/** The token the test servers' tasks are owned by. */
export const TEST_TOKEN_ID = 'root@pam!hvc';

/**
 * A Proxmox connector for `server`: its one endpoint, pinned to its certificate, with the token {@link TEST_TOKEN_ID};
 * `extra` adds or overrides settings (task timing, limits). The caller closes it.
 */
export function connectorOn(
  server: HttpsTestServer,
  extra: Partial<ProxmoxConfigInput> = {},
): ReturnType<typeof createProxmoxConnector> {
  return createProxmoxConnector({
    endpoints: [server.url],
    credentials: { tokenId: TEST_TOKEN_ID, secret: 'token-secret' },
    tls: { fingerprint: server.fingerprint },
    ...extra,
  });
}
