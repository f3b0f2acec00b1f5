import type { GuestEvent, GuestFilter, HypervisorConnector } from '@hvc/hypervisor-connector';
import { createAsyncQueue } from './async-queue.js';
import type { WatchRecheck } from './operation-watch.js';

/** A heartbeat in a guest watch: nothing to report, the stream is alive. */
export const HEARTBEAT = 'heartbeat';

/** How a guest watch keeps its caller informed and checked. */
export interface GuestWatchOptions {
  /** How often a heartbeat is sent, ms. */
  readonly heartbeatMs: number;
  readonly recheck?: WatchRecheck;
}

/**
 * The connector's guest events (its watch is shared by every caller of the same target and filter: one
 * connector per target in this process, one poll or event loop per filter in the connector), with a heartbeat
 * every `heartbeatMs`. Every `recheck.everyMs` the caller's access is checked again, so a disabled user's open
 * stream ends. Aborting `signal` ends the stream and leaves the connector's watch.
 */
export async function* watchGuestEvents(
  connector: HypervisorConnector,
  filter: GuestFilter,
  signal: AbortSignal,
  options: GuestWatchOptions,
): AsyncGenerator<GuestEvent | typeof HEARTBEAT> {
  const stop = new AbortController();
  const queue = createAsyncQueue<GuestEvent | typeof HEARTBEAT>();
  void (async () => {
    try {
      for await (const event of connector.watchGuests(filter, {
        signal: AbortSignal.any([signal, stop.signal]),
      })) {
        queue.push(event);
      }
      queue.end();
    } catch (error) {
      queue.fail(error);
    }
  })();
  const heartbeat = setInterval(() => queue.push(HEARTBEAT), options.heartbeatMs);
  heartbeat.unref();
  const { recheck } = options;
  const rechecks = recheck
    ? setInterval(() => {
        recheck.check().catch((error: unknown) => queue.fail(error));
      }, recheck.everyMs)
    : undefined;
  rechecks?.unref();
  try {
    yield* queue;
  } finally {
    clearInterval(heartbeat);
    if (rechecks) clearInterval(rechecks);
    stop.abort();
  }
}
