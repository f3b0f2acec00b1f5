import { z } from 'zod';

/**
 * How `watchGuests` polls `/cluster/resources`: every `intervalMs` while a listing succeeds; after failures the pause
 * starts at `intervalMs` and doubles (±20 % jitter) up to `maxBackoffMs`, and the first success re-syncs every
 * watcher. One loop per filter serves all of the connector's watchers. PVE's own figures lag (pvestatd updates
 * every ~10 s), so a shorter interval sees state changes no sooner than that.
 */
export const WatchPollingSchema = z
  .strictObject({
    /** The pause between two polls. */
    intervalMs: z.number().int().min(100).max(300_000).default(2_000),
    /** The longest pause after failed polls. */
    maxBackoffMs: z.number().int().min(100).max(600_000).default(30_000),
  })
  .refine((watch) => watch.maxBackoffMs >= watch.intervalMs, {
    message: 'maxBackoffMs must not be shorter than intervalMs',
    path: ['maxBackoffMs'],
  });

/** The defaults of {@link WatchPollingSchema}. */
export const DEFAULT_WATCH_POLLING = { intervalMs: 2_000, maxBackoffMs: 30_000 } as const;
