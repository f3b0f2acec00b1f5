import { loadServerConfig } from '../server-config.js';
import { startServer } from '../start-server.js';
import { untilSignal } from './until-signal.js';

/**
 * `hvc-server serve`: configuration from the environment (and `HVC_CONFIG`), then serve until SIGINT or SIGTERM.
 * Refuses to start with no authentication source unless `HVC_DEV_MODE` is set.
 */
export async function runServe(env: NodeJS.ProcessEnv): Promise<void> {
  // Listen for the signal before starting: one sent while the server starts (after it said it listens, before this
  // function got on) would otherwise end the process at once, without draining.
  const stopped = untilSignal();
  const server = await startServer(loadServerConfig(env), { requireAuthentication: true });
  await stopped;
  await server.close();
}
