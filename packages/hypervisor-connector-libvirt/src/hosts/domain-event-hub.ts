import { RecentMap } from '../util/recent-map.js';

/** The domain events the connector listens to on every host. */
export type DomainEventKind = 'lifecycle' | 'reboot' | 'job-completed';

/** One domain event, as a host's connection delivered it. */
export interface DomainEventNotice {
  readonly kind: DomainEventKind;
  /** The domain's UUID (a guest id). */
  readonly uuid: string;
  readonly name: string;
  /** The host it came from (its index in the target). */
  readonly hostIndex: number;
  /** For lifecycle events: libvirt's event (`DomainLifecycleEvent`) and detail. */
  readonly event?: number;
  readonly detail?: number;
  /** `performance.now()` when it arrived. */
  readonly receivedAt: number;
}

/** How many guests' last reboot times are remembered (oldest forgotten first). */
const REBOOTS_KEPT = 10_000;

/**
 * Fans the domain events of every host out to whoever waits on a guest: operation waits wake on them instead of
 * polling, and the guest locator learns where a guest went. Remembers the last REBOOT event of each guest, the only
 * trace a libvirt reboot leaves (the domain stays running throughout).
 */
export class DomainEventHub {
  readonly #byGuest = new Map<string, Set<(notice: DomainEventNotice) => void>>();
  readonly #everyEvent = new Set<(notice: DomainEventNotice) => void>();
  readonly #lastReboot = new RecentMap<string, number>(REBOOTS_KEPT);

  /** Calls `listener` with every event of guest `uuid`; returns the function that stops it. */
  subscribe(uuid: string, listener: (notice: DomainEventNotice) => void): () => void {
    let set = this.#byGuest.get(uuid);
    if (set === undefined) {
      set = new Set();
      this.#byGuest.set(uuid, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#byGuest.get(uuid) === set) this.#byGuest.delete(uuid);
    };
  }

  /** Calls `listener` with every event of every guest; returns the function that stops it. */
  onEvent(listener: (notice: DomainEventNotice) => void): () => void {
    this.#everyEvent.add(listener);
    return () => this.#everyEvent.delete(listener);
  }

  /** Delivers an event. */
  emit(notice: DomainEventNotice): void {
    if (notice.kind === 'reboot') {
      this.#lastReboot.set(notice.uuid, Date.now());
    }
    for (const listener of [...this.#everyEvent]) listener(notice);
    for (const listener of [...(this.#byGuest.get(notice.uuid) ?? [])]) listener(notice);
  }

  /** When this process last saw guest `uuid` reboot (epoch ms), if it did. */
  lastReboot(uuid: string): number | undefined {
    return this.#lastReboot.get(uuid);
  }

  /** Wakes every guest listener with a synthetic notice-free call, e.g. when the connector closes. */
  wakeAll(): void {
    for (const [uuid, set] of this.#byGuest) {
      for (const listener of [...set]) {
        listener({ kind: 'lifecycle', uuid, name: '', hostIndex: -1, receivedAt: performance.now() });
      }
    }
  }
}
