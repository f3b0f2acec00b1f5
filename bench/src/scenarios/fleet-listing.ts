import type { ConnectorFactory } from '@hvc/hypervisor-connector';
import type { BenchSettings } from '../bench-settings.js';
import { createBenchConnector } from '../clients/hvc-connector-client.js';
import { ProxmoxApiClient } from '../clients/proxmox-api-client.js';
import { RawUndiciClient } from '../clients/raw-undici-client.js';
import { type HeapMeasurement, measureHeapPeak } from '../load/heap-peak.js';
import { median } from '../load/stats.js';
import { ResponderProcess } from '../responder/responder-process.js';
import type { BenchCertificate } from '../tls/bench-certificate.js';

/** One way of listing the fleet: medians of its wall time and heap growth, and the requests it needed. */
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

interface Lister {
  readonly label: string;
  list(): Promise<unknown[]>;
  close(): Promise<void>;
}

/**
 * Lists 10,000 guests on 32 nodes: hvc's `listGuests` (one `/cluster/resources` call, validated and mapped) vs
 * the per-node listing other clients need (`/nodes`, then `/nodes/{n}/qemu` and `/lxc` for every node), with raw
 * undici and with `proxmox-api`; raw undici's single `/cluster/resources` call is the floor. Each listing runs
 * after a full GC, runs are interleaved, medians reported.
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
  const raw = new RawUndiciClient(responder.target, CONNECTIONS);
  const peer = new ProxmoxApiClient(responder.target);
  const listers: Lister[] = [];
  if (factory) {
    const connector = createBenchConnector(factory, responder.target, CONNECTIONS);
    listers.push({
      label: 'hvc listGuests (one call)',
      list: () => connector.listGuests(),
      close: () => connector.close(),
    });
  }
  listers.push(
    {
      label: 'raw undici, one /cluster/resources call',
      list: async () => (await raw.getJson('/api2/json/cluster/resources?type=vm')) as unknown[],
      close: async () => {},
    },
    { label: 'raw undici, per node', list: () => listPerNode(raw), close: () => raw.close() },
    { label: 'proxmox-api, per node', list: () => listPerNodeWithPeer(peer), close: () => peer.close() },
  );
  const lines: FleetLine[] = [];
  try {
    for (const lister of listers) await lister.list();
    const samples = listers.map(() => [] as HeapMeasurement[]);
    const requests = listers.map(() => 0);
    const listed = listers.map(() => 0);
    // The headline compares hvc with the raw single call, so those two run first in every round, each first in
    // every other round, and the per-node lines after them: parsing 65 small answers in this process slows the
    // listing that follows, and a plain rotation put hvc after a per-node line in most rounds and raw undici in few.
    const pair = factory ? 2 : 1;
    const compared = listers.slice(0, pair).map((_, i) => i);
    const context = listers.slice(pair).map((_, i) => i + pair);
    for (let run = 0; run < settings.scenarioRuns; run++) {
      const order = run % 2 === 0 ? [...compared, ...context] : [...compared.reverse(), ...context.reverse()];
      for (const i of order) {
        const lister = listers[i] as Lister;
        await responder.reset();
        let count = 0;
        samples[i]?.push(
          await measureHeapPeak(async () => {
            const guests = await lister.list();
            count = guests.length;
            return guests;
          }),
        );
        requests[i] = (await responder.stats()).requests;
        listed[i] = count;
      }
    }
    listers.forEach((lister, i) => {
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
    if (!factory) {
      lines.unshift({
        label: 'hvc listGuests (one call)',
        wallMs: null,
        heapGrowthMB: null,
        requests: null,
        guestsListed: null,
        note: factoryUnavailable ?? 'not measured',
      });
    }
  } finally {
    for (const lister of listers) await lister.close();
    await responder.close();
  }
  return { guests: GUESTS, nodes: NODES, connections: CONNECTIONS, lines };
}

async function listPerNode(raw: RawUndiciClient): Promise<unknown[]> {
  const nodes = (await raw.getJson('/api2/json/nodes')) as Array<{ node: string }>;
  const lists = await Promise.all(
    nodes.flatMap(({ node }) => [
      raw.getJson(`/api2/json/nodes/${node}/qemu`),
      raw.getJson(`/api2/json/nodes/${node}/lxc`),
    ]),
  );
  return (lists as unknown[][]).flat();
}

async function listPerNodeWithPeer(peer: ProxmoxApiClient): Promise<unknown[]> {
  const nodes = (await peer.listNodes()) as Array<{ node: string }>;
  const lists = await Promise.all(nodes.map(({ node }) => peer.listNodeGuests(node)));
  return lists.flat();
}
