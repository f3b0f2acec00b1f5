import { type Guest, type GuestEvent, type GuestFilter, UnavailableError } from '@hvc/hypervisor-connector';
import { type Clock, systemClock } from '../clock/clock.js';
import { canonicalJson } from '../hash/stable-hash.js';
import { type BackoffPolicy, backoffDelay } from '../retry/backoff.js';
import { diffGuestListings } from './guest-diff.js';
import { isPermanentWatchError } from './permanent-watch-error.js';
import { WatchQueue } from './watch-queue.js';

/** How a {@link PollingWatcher} lists and paces. */
export interface PollingWatcherOptions {
  /**
   * Lists the guests `filter` matches. `signal` fires when the last watcher of that filter leaves (or the watcher is
   * closed); the listing should stop then.
   */
  readonly list: (filter: GuestFilter, signal: AbortSignal) => Promise<readonly Guest[]>;
  /** The pause between two successful polls. Default 2 000 ms. */
  readonly intervalMs?: number;
  /** The pause after failed polls, by failures in a row. Default 2 s doubling up to 30 s, ±20 % jitter. */
  readonly backoff?: BackoffPolicy;
  /** Events one watcher may have waiting before its queue is coalesced (see `WatchQueue`). Default 1 000. */
  readonly queueLimit?: number;
  /** What the polls are paced by; a manual clock in tests. */
  readonly clock?: Clock;
  /** Jitter source for the backoff; `Math.random` by default. */
  readonly random?: () => number;
  /** Whether a listing error ends every watcher of that filter; {@link isPermanentWatchError} by default. */
  readonly isPermanent?: (error: unknown) => boolean;
  /** The target id, for the error of a closed watcher. */
  readonly target?: string;
}

/** The default pause between polls. */
export const DEFAULT_WATCH_INTERVAL_MS = 2_000;

/** The default backoff after failed polls. */
export const DEFAULT_WATCH_BACKOFF: BackoffPolicy = {
  initialMs: 2_000,
  factor: 2,
  maxMs: 30_000,
  jitter: 0.2,
};

/**
 * `watchGuests` for a hypervisor without change events: polls a listing and diffs it. There is one poll loop per
 * filter (its canonical JSON) shared by all of that filter's watchers: the first watcher starts it, the last one to
 * leave stops it and aborts its listing. Each watcher gets a `sync` first (at once when the loop already has a
 * listing), then `added`/`changed`/`removed` from each poll (`changed` compares the fields in
 * `WATCHED_GUEST_FIELDS`). A failed poll is a gap: the loop backs off (`backoffDelay`) and, once a poll succeeds
 * again, every watcher gets a new `sync`. A permanent error (`isPermanent`) ends every watcher of the loop by
 * throwing it. A watcher ends quietly when its signal fires. One instance belongs to one connector.
 */
export class PollingWatcher {
  readonly #options: PollingWatcherOptions;
  readonly #clock: Clock;
  readonly #polls = new Map<string, SharedPoll>();
  #closed: unknown;

  constructor(options: PollingWatcherOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Poll loops running now (one per filter being watched). */
  get activePolls(): number {
    return this.#polls.size;
  }

  /**
   * The events of a parsed `filter` until `signal` fires or the consumer stops iterating. Nothing starts before
   * the first `next()`.
   */
  async *watch(filter: GuestFilter, signal?: AbortSignal): AsyncGenerator<GuestEvent, void, undefined> {
    if (this.#closed !== undefined) throw this.#closed;
    if (signal?.aborted) return;
    const key = canonicalJson(filter);
    let poll = this.#polls.get(key);
    if (poll === undefined) {
      poll = new SharedPoll(filter, this.#options, this.#clock, () => this.#polls.delete(key));
      this.#polls.set(key, poll);
    }
    const queue = poll.join();
    const onAbort = () => queue.end();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const next = await queue.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      poll.leave(queue);
    }
  }

  /**
   * Polls every loop again now instead of at its next interval: what a connector calls when the hypervisor tells it
   * something changed (a libvirt domain event), so the change shows at once and the interval is only the fallback.
   * A poll in flight is followed by another; a loop backing off after failures keeps its backoff.
   */
  refresh(): void {
    for (const poll of this.#polls.values()) poll.refresh();
  }

  /**
   * Stops every loop and ends every watcher by throwing UNAVAILABLE (not retryable), or `error`; later watches
   * throw it at once. What the connector's `close` calls.
   */
  close(error: unknown = this.#closedError()): void {
    this.#closed ??= error;
    for (const poll of [...this.#polls.values()]) poll.fail(this.#closed);
  }

  #closedError(): UnavailableError {
    const target = this.#options.target;
    return new UnavailableError('the connector is closed', {
      ...(target === undefined ? {} : { target }),
      retryable: false,
    });
  }
}

/** One filter's poll loop and the queues of its watchers. */
class SharedPoll {
  readonly #filter: GuestFilter;
  readonly #options: PollingWatcherOptions;
  readonly #clock: Clock;
  readonly #forget: () => void;
  readonly #queues = new Set<WatchQueue>();
  readonly #controller = new AbortController();
  /** The last successful listing; `undefined` before the first and after a failed poll (a gap). */
  #listing: Map<string, Guest> | undefined;
  #failures = 0;
  #timer: unknown;
  #inFlight = false;
  /** A refresh came while a poll was in flight: poll again when it ends. */
  #dirty = false;
  #started = false;
  #stopped = false;

  constructor(filter: GuestFilter, options: PollingWatcherOptions, clock: Clock, forget: () => void) {
    this.#filter = filter;
    this.#options = options;
    this.#clock = clock;
    this.#forget = forget;
  }

  /** A queue for a new watcher: a `sync` at once when there is a listing, else with the next successful poll. */
  join(): WatchQueue {
    const queue = new WatchQueue(this.#options.queueLimit ?? 1_000);
    this.#queues.add(queue);
    if (this.#listing !== undefined)
      queue.push([this.#sync(this.#listing)], () => this.#sync(this.#listing!));
    if (!this.#started) {
      this.#started = true;
      void this.#poll();
    }
    return queue;
  }

  /** Removes a watcher's queue; the last one out stops the loop. */
  leave(queue: WatchQueue): void {
    queue.end();
    if (!this.#queues.delete(queue) || this.#queues.size > 0) return;
    this.#stop();
  }

  /** Ends every watcher by throwing `error` and stops the loop. */
  fail(error: unknown): void {
    for (const queue of this.#queues) queue.end(error);
    this.#queues.clear();
    this.#stop();
  }

  /** Polls now (after the poll in flight, if any), unless the loop is backing off. */
  refresh(): void {
    if (this.#stopped || this.#failures > 0 || !this.#started) return;
    if (this.#inFlight) {
      this.#dirty = true;
      return;
    }
    this.#clock.clearTimeout(this.#timer);
    void this.#poll();
  }

  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    this.#controller.abort();
    this.#forget();
  }

  async #poll(): Promise<void> {
    this.#inFlight = true;
    this.#dirty = false;
    let guests: readonly Guest[];
    try {
      guests = await this.#options.list(this.#filter, this.#controller.signal);
    } catch (error) {
      this.#inFlight = false;
      if (this.#stopped) return;
      if ((this.#options.isPermanent ?? isPermanentWatchError)(error)) {
        this.fail(error);
        return;
      }
      this.#failures++;
      this.#listing = undefined;
      const backoff = this.#options.backoff ?? DEFAULT_WATCH_BACKOFF;
      this.#schedule(backoffDelay(backoff, this.#failures, this.#options.random));
      return;
    }
    this.#inFlight = false;
    if (this.#stopped) return;
    const next = new Map(guests.map((guest) => [guest.id, guest]));
    const previous = this.#listing;
    this.#listing = next;
    this.#failures = 0;
    const resync = () => this.#sync(next);
    const events = previous === undefined ? [resync()] : diffGuestListings(previous, next, this.#at());
    if (events.length > 0) for (const queue of this.#queues) queue.push(events, resync);
    if (this.#dirty) {
      void this.#poll();
      return;
    }
    this.#schedule(this.#options.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS);
  }

  #schedule(ms: number): void {
    this.#timer = this.#clock.setTimeout(() => void this.#poll(), ms);
  }

  #sync(listing: ReadonlyMap<string, Guest>): GuestEvent {
    return { type: 'sync', guests: [...listing.values()], at: this.#at() };
  }

  #at(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}
