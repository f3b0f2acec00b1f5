import { loadServerConfig } from '../server-config.js';
import { startServer } from '../start-server.js';
import { untilSignal } from './until-signal.js';

/**
 * `hvc-server serve`: configuration from the environment (and `HVC_CONFIG`), then serve until SIGINT or SIGTERM.
 * Refuses to start with no authentication source unless `HVC_DEV_MODE` is set.
 */
export async function runServe(env: NodeJS.ProcessEnv): Promise<void> {
  const server = await startServer(loadServerConfig(env), { requireAuthentication: true });
  await untilSignal();
  await server.close();
}
