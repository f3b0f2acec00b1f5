import type { ConnectorFactory } from '@hvc/hypervisor-connector';
import type { BenchSettings } from '../bench-settings.js';
import { ClientGroup } from '../clients/client-group.js';
import type { ClientKind, Listing } from '../clients/client-protocol.js';
import type { HeapMeasurement } from '../load/heap-peak.js';
import { median } from '../load/stats.js';
import { ResponderProcess } from '../responder/responder-process.js';
import type { BenchCertificate } from '../tls/bench-certificate.js';

/** One way of listing the fleet: medians of its wall time and memory growth (V8 heap + external), and the requests it needed. */
export interface FleetLine {
  readonly label: string;
  readonly wallMs: number | null;
  readonly heapGrowthMB: number | null;
  /** Each run's wall time and heap growth, in run order (the listings run interleaved, one of each per round). */
  readonly wallMsRuns?: readonly number[];
  readonly heapGrowthMBRuns?: readonly number[];
  readonly requests: number | null;
  readonly guestsListed: number | null;
  readonly note?: string;
}

/** The fleet listing scenario's results. */
export interface FleetListingResult {
  readonly guests: number;
  readonly nodes: number;
  /** The per-target connection cap the connector and the raw per-node listing used. */
  readonly connections: number;
  readonly lines: readonly FleetLine[];
}

const GUESTS = 10_000;
const NODES = 32;
// The connector's default per-target cap, given to the raw per-node listing too.
const CONNECTIONS = 4;
// Listings each process makes before the measured rounds.
const WARM_UP_LISTINGS = 5;

/** One way of listing: which client, how, and its line's label. */
interface Lister {
  readonly label: string;
  readonly kind: ClientKind;
  readonly listing: Listing;
}

const HVC_LISTER: Lister = { label: 'hvc listGuests (one call)', kind: 'hvc', listing: 'one call' };
const OTHER_LISTERS: readonly Lister[] = [
  { label: 'raw undici, one /cluster/resources call', kind: 'raw undici', listing: 'one call' },
  { label: 'raw undici, per node', kind: 'raw undici', listing: 'per node' },
  { label: 'proxmox-api, per node', kind: 'proxmox-api', listing: 'per node' },
];

/**
 * Lists 10,000 guests on 32 nodes: hvc's `listGuests` (one `/cluster/resources` call, validated and mapped) vs
 * the per-node listing other clients need (`/nodes`, then `/nodes/{n}/qemu` and `/lxc` for every node), with raw
 * undici and with `proxmox-api`; raw undici's single `/cluster/resources` call is the floor. Each listing runs in
 * a Node process of its own, after a full GC there; runs are interleaved, medians reported.
 */
export async function runFleetListing(
  settings: BenchSettings,
  certificate: BenchCertificate,
  factory: ConnectorFactory | undefined,
  factoryUnavailable: string | undefined,
  log: (line: string) => void,
): Promise<FleetListingResult> {
  log('fleet listing: 10,000 guests on 32 nodes');
  const responder = await ResponderProcess.start({ guests: GUESTS, nodes: NODES }, certificate);
  const listers = factory ? [HVC_LISTER, ...OTHER_LISTERS] : [...OTHER_LISTERS];
  // A lister whose process cannot start or fails a listing drops out of the rounds with its reason.
  const group = await ClientGroup.start(listers, responder.target, CONNECTIONS);
  const lines: FleetLine[] = [];
  try {
    // Each process lists a few times first, as a process that has been running would have: a client whose work is
    // JavaScript (validation, mapping) is compiled by then, as a bare JSON.parse is from the start.
    for (let warm = 0; warm < WARM_UP_LISTINGS; warm++) {
      for (let i = 0; i < listers.length; i++) {
        await group.attempt(i, (client) => client.list((listers[i] as Lister).listing));
      }
    }
    const samples = listers.map(() => [] as HeapMeasurement[]);
    const requests = listers.map(() => 0);
    const listed = listers.map(() => 0);
    // Each listing runs in its own process, so none pays for another's garbage; the rounds stay interleaved so that
    // drift in the machine's load spreads over every line. The headline compares hvc with the raw single call, so
    // those two run first in every round, each first in every other round, and the per-node lines after them.
    const pair = factory ? 2 : 1;
    const compared = listers.slice(0, pair).map((_, i) => i);
    const context = listers.slice(pair).map((_, i) => i + pair);
    for (let run = 0; run < settings.scenarioRuns; run++) {
      const order = run % 2 === 0 ? [...compared, ...context] : [...compared.reverse(), ...context.reverse()];
      for (const i of order) {
        await responder.reset();
        const done = await group.attempt(i, (client) => client.list((listers[i] as Lister).listing));
        if (!done) continue;
        samples[i]?.push(done.measurement);
        requests[i] = (await responder.stats()).requests;
        listed[i] = done.guests;
      }
    }
    listers.forEach((lister, i) => {
      const reason = group.failure(i);
      if (reason) {
        lines.push(unmeasured(lister.label, reason));
        return;
      }
      const runs = samples[i] ?? [];
      lines.push({
        label: lister.label,
        wallMs: median(runs.map((m) => m.wallMs)),
        heapGrowthMB: median(runs.map((m) => m.heapGrowthBytes)) / 2 ** 20,
        wallMsRuns: runs.map((m) => m.wallMs),
        heapGrowthMBRuns: runs.map((m) => m.heapGrowthBytes / 2 ** 20),
        requests: requests[i] ?? null,
        guestsListed: listed[i] ?? null,
        ...(listed[i] === GUESTS ? {} : { note: `listed ${listed[i]} guests, expected ${GUESTS}` }),
      });
    });
    if (!factory) lines.unshift(unmeasured(HVC_LISTER.label, factoryUnavailable ?? 'not measured'));
  } finally {
    await group.close();
    await responder.close();
  }
  return { guests: GUESTS, nodes: NODES, connections: CONNECTIONS, lines };
}

function unmeasured(label: string, note: string): FleetLine {
  return { label, wallMs: null, heapGrowthMB: null, requests: null, guestsListed: null, note };
}
