import type { FakeClock } from '../clock.js';
import type { ClusterState } from './cluster-state.js';
import { cpuCount, maxDisk, maxMem, usage } from './guest-metrics.js';
import type { PveGuestState } from './model.js';

/** pvestatd's loop (pve-manager `PVE/Service/pvestatd.pm`: `my $updatetime = 10;`). */
export const PVESTATD_INTERVAL_MS = 10_000;
/** pmxcfs drops RRD rows not updated for 5 minutes (pve-cluster `src/pmxcfs/status.c` `rrd_entry_is_old`). */
export const RRD_EXPIRY_MS = 5 * 60_000;

/** A row pvestatd recorded for a guest: the fields `extract_vm_stats` takes from it, and when. */
interface RrdRow {
  readonly at: number;
  readonly values: Readonly<Record<string, string | number>>;
}

/**
 * The RRD rows pvestatd keeps for guests, which `/cluster/resources` (pve-manager `PVE/API2Tools.pm`
 * `extract_vm_stats`) reads name, status, template and every size and usage figure from. A round runs at most every
 * 10 s of fake time, when a listing asks, and samples the guests of every online node; a guest created since the last
 * round has no row (its entry says `status: 'unknown'` and lacks the rest); the guests of a node that stopped
 * reporting keep their last row for 5 minutes, then have none. A VM's status is its QMP status (`pvestatd.pm`
 * `update_qemu_status`: `my $status = $d->{qmpstatus} || $d->{status} || 'stopped';`), so a VM paused since the last
 * round still shows `running`.
 */
export class RrdSamples {
  /** Rows by guest (a guest deleted and created again under its id starts without one). */
  #rows = new WeakMap<PveGuestState, RrdRow>();
  #lastRound = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: FakeClock,
    private readonly cluster: ClusterState,
  ) {}

  /** Runs pvestatd's round if one is due (10 s since the last). */
  tick(): void {
    const now = this.clock.now();
    if (now - this.#lastRound < PVESTATD_INTERVAL_MS) return;
    this.round();
  }

  /** Runs a round now: every guest of an online node gets a fresh row. */
  round(): void {
    const now = this.clock.now();
    this.#lastRound = now;
    for (const guest of this.cluster.guests.values()) {
      const node = this.cluster.nodes.get(guest.node);
      if (node?.online) this.#rows.set(guest, { at: now, values: this.#record(guest) });
    }
  }

  /** The guest's row as of now, if it has one. */
  of(guest: PveGuestState): Readonly<Record<string, string | number>> | undefined {
    const row = this.#rows.get(guest);
    if (!row) return undefined;
    if (this.clock.now() - row.at > RRD_EXPIRY_MS) {
      this.#rows.delete(guest);
      return undefined;
    }
    return row.values;
  }

  /** Forgets every row (as after a cluster-wide pvestatd outage of more than 5 minutes). */
  clear(): void {
    this.#rows = new WeakMap();
  }

  #record(guest: PveGuestState): Record<string, string | number> {
    const u = usage(guest, this.clock.nowSeconds());
    const running = guest.status === 'running';
    return {
      uptime: u.uptime,
      name: String(
        guest.type === 'qemu'
          ? (guest.config.name ?? `VM ${guest.vmid}`)
          : (guest.config.hostname ?? `CT${guest.vmid}`),
      ),
      status: guest.type === 'qemu' && running ? guest.qmpstatus : guest.status,
      template: guest.config.template === 1 ? 1 : 0,
      maxcpu: cpuCount(guest),
      cpu: u.cpu,
      maxmem: maxMem(guest),
      mem: u.mem,
      maxdisk: maxDisk(guest),
      disk: u.disk,
      netin: u.netin,
      netout: u.netout,
      diskread: u.diskread,
      diskwrite: u.diskwrite,
    };
  }
}
