import { Code, ConnectError } from '@connectrpc/connect';
import { ConcurrencyLimiter } from '@hvc/hypervisor-connector-kit';
import { DEFAULT_GUARD_LIMITS } from '@hvc/hypervisor-resolver';
import { loadProxmoxFactory } from '../clients/hvc-connector-client.js';
import {
  type BareGuestServer,
  type ListenOnePort,
  type RecordedAnswers,
  startBareGuestServer,
} from './bare-guest-server.js';
import { benchTargetSettings } from './bench-server-setup.js';
import { BENCH_TARGET_ID, type ServerLaunch } from './server-protocol.js';

/** Calls hvc-server runs at once against one target: the resolver's default, which the bench's targets keep. */
export const SERVER_CALLS_PER_TARGET = DEFAULT_GUARD_LIMITS.maxConcurrentCalls;

/**
 * The bare baseline with the hypervisor read: {@link startBareGuestServer} whose handler first reads each guest of
 * {@link BENCH_TARGET_ID} through a Proxmox connector built from the settings hvc-server stores for that target
 * ({@link benchTargetSettings}), at most {@link SERVER_CALLS_PER_TARGET} reads at once as hvc-server makes them,
 * the others waiting their turn. Closing it closes the connector too.
 */
export async function startReadingBareGuestServer(
  listenOnePort: ListenOnePort,
  answers: RecordedAnswers,
  launch: ServerLaunch,
): Promise<BareGuestServer> {
  const loaded = await loadProxmoxFactory();
  if ('unavailable' in loaded) throw new Error(`the read baseline has no connector: ${loaded.unavailable}`);
  const { config, credentials } = benchTargetSettings(launch);
  const connector = loaded.factory.create(loaded.factory.configSchema.parse({ ...config, credentials }), {
    targetId: BENCH_TARGET_ID,
  });
  const calls = new ConcurrencyLimiter(SERVER_CALLS_PER_TARGET);
  try {
    const bare = await startBareGuestServer(listenOnePort, answers, (targetId, guestId, signal) => {
      if (targetId !== BENCH_TARGET_ID) {
        throw new ConnectError(`the read baseline serves ${BENCH_TARGET_ID} only`, Code.NotFound);
      }
      return calls.run(() => connector.getGuest(guestId, { signal }), signal);
    });
    return {
      url: bare.url,
      close: async () => {
        try {
          await bare.close();
        } finally {
          await connector.close();
        }
      },
    };
  } catch (error) {
    await connector.close();
    throw error;
  }
}
