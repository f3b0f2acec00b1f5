import {
  createLibvirtConnector,
  DomainEventId,
  DomainLifecycleEvent,
  type LibvirtConnector,
  openLibvirt,
} from '@hvc/hypervisor-connector-libvirt';
import type { BenchSettings } from '../bench-settings.js';
import { type Call, type LoadResult, runLoad } from '../load/load-runner.js';
import { median, percentileOfSorted } from '../load/stats.js';
import { type ClientMeasurement, notMeasured, summariseRuns } from '../scenarios/measured-client.js';
import { type LibvirtFleet, startLibvirtFleet } from './libvirt-fleet.js';
import { ensurePythonLibvirt, runPythonEventDelay, runPythonLibvirt } from './python-libvirt.js';
import { virshCall, virshGetGuest, virshListGuests } from './virsh-client.js';

/** One call at one concurrency, every client side by side. */
export interface LibvirtCase {
  readonly call: 'listGuests' | 'getGuest';
  readonly concurrency: number;
  readonly clients: readonly ClientMeasurement[];
}

/** Delays from a domain event to what waited on it, in ms. */
export interface EventDelay {
  readonly samples: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly maxMs: number | null;
  /** Samples whose wait ended before the event reached the measuring listener (counted as 0 ms). */
  readonly ahead?: number;
  readonly note?: string;
}

/** What the libvirt scenario measured, or why it could not. */
export type LibvirtScenarioResult =
  | {
      readonly measured: true;
      readonly uri: string;
      readonly domains: number;
      readonly libvirtVersion: string;
      readonly python: { readonly version?: string; readonly reason?: string };
      readonly cases: readonly LibvirtCase[];
      readonly eventDelay: { readonly hvc: EventDelay; readonly python: EventDelay };
    }
  | { readonly measured: false; readonly reason: string };

const DOMAINS = 200;
/** The C binding's label in tables. */
export const C_BINDING = 'libvirt-python (C)';
const CONCURRENCIES = [1, 32] as const;
const CALLS = ['listGuests', 'getGuest'] as const;

function delayStats(delays: readonly number[], ahead?: number): EventDelay {
  const sorted = Float64Array.from(delays).sort();
  return {
    samples: delays.length,
    p50Ms: delays.length === 0 ? null : median(delays),
    p95Ms: delays.length === 0 ? null : percentileOfSorted(sorted, 95),
    maxMs: delays.length === 0 ? null : (sorted[sorted.length - 1] ?? null),
    ...(ahead === undefined ? {} : { ahead }),
  };
}

/** One measured client: how it warms up, and one measured run. */
interface MeasuredClient {
  readonly label: string;
  warmup(): Promise<unknown>;
  run(): Promise<readonly LoadResult[]>;
}

/** A client measured in this process with the load runner. */
function inProcess(label: string, call: Call, concurrency: number, settings: BenchSettings): MeasuredClient {
  return {
    label,
    warmup: () => runLoad(call, { concurrency, durationMs: settings.warmupMs }),
    run: async () => [await runLoad(call, { concurrency, durationMs: settings.runMs })],
  };
}

/**
 * Warms every client up, then runs them in turn, `runs` times, the first one rotating each round, so that drift
 * in the machine's load (it is shared) spreads over every client; medians of the runs.
 */
async function measureInterleaved(clients: readonly MeasuredClient[], settings: BenchSettings) {
  for (const client of clients) await client.warmup();
  const runs = clients.map(() => [] as LoadResult[]);
  for (let round = 0; round < settings.runs; round++) {
    for (let k = 0; k < clients.length; k++) {
      const i = (k + round) % clients.length;
      runs[i]!.push(...(await clients[i]!.run()));
    }
  }
  return clients.map((client, i) => summariseRuns(client.label, runs[i]!, []));
}

function hvcCall(connector: LibvirtConnector, call: LibvirtCase['call'], uuids: readonly string[]): Call {
  if (call === 'listGuests') return () => connector.listGuests();
  let next = 0;
  return () => connector.getGuest(uuids[next++ % uuids.length]!);
}

function virshLoad(uri: string, call: LibvirtCase['call'], uuids: readonly string[]): Call {
  if (call === 'listGuests') {
    const script = virshListGuests(uuids);
    return () => virshCall(uri, script);
  }
  let next = 0;
  return () => virshCall(uri, virshGetGuest(uuids[next++ % uuids.length]!));
}

/** libvirt-python in its own process, one process per measured run (each with its own warm-up). */
function pythonClient(
  fleet: LibvirtFleet,
  call: LibvirtCase['call'],
  concurrency: number,
  settings: BenchSettings,
): MeasuredClient {
  const load = { uri: fleet.uri, mode: call, uuids: fleet.uuids, concurrency, warmupMs: settings.warmupMs };
  return {
    label: C_BINDING,
    warmup: async () => undefined,
    run: () => runPythonLibvirt({ ...load, durationMs: settings.runMs, runs: 1 }),
  };
}

/**
 * From a lifecycle event to the end of a wait on the operation it completes: one connector suspends and resumes a
 * running guest, another waits on each operation by id (judged from libvirt's state, woken by the event), and a raw
 * protocol client on a third connection notes when the event arrives.
 */
async function hvcEventDelay(fleet: LibvirtFleet, samples: number): Promise<EventDelay> {
  const owner = createLibvirtConnector({ hosts: [fleet.uri] });
  const observer = createLibvirtConnector({ hosts: [fleet.uri] });
  const listener = await openLibvirt(fleet.uri);
  let eventAt = 0;
  try {
    await listener.onDomainEvent(DomainEventId.LIFECYCLE, ({ msg }) => {
      const uuid = Buffer.from(msg.dom.uuid).toString('hex');
      if (uuid !== fleet.eventGuest.replace(/-/g, '')) return;
      if (msg.event === DomainLifecycleEvent.SUSPENDED || msg.event === DomainLifecycleEvent.RESUMED) {
        eventAt = performance.now();
      }
    });
    await Promise.all([owner.getGuest(fleet.eventGuest), observer.getGuest(fleet.eventGuest)]);
    const delays: number[] = [];
    let ahead = 0;
    for (let i = 0; i < samples; i++) {
      eventAt = 0;
      const operation =
        i % 2 === 0 ? await owner.suspendGuest(fleet.eventGuest) : await owner.resumeGuest(fleet.eventGuest);
      await observer.waitForOperation(operation.id, { timeoutMs: 30_000 });
      const doneAt = performance.now();
      await owner.waitForOperation(operation.id, { timeoutMs: 30_000 });
      for (let tries = 0; eventAt === 0 && tries < 100; tries++) await new Promise((r) => setTimeout(r, 10));
      if (eventAt === 0 || doneAt < eventAt) ahead++;
      delays.push(eventAt === 0 ? 0 : Math.max(0, doneAt - eventAt));
    }
    return delayStats(delays, ahead);
  } finally {
    await Promise.all([owner.close(), observer.close(), listener.close()]);
  }
}

/**
 * The libvirt section: against one real libvirtd (the libvirt package's lab) with 200 defined domains, `listGuests`
 * and `getGuest` at concurrency 1 and 32 through the hvc connector, libvirt-python (the C library) and virsh, all
 * over TCP on loopback, then the delay from a domain event to the operation it completes.
 */
export async function runLibvirtScenario(
  settings: BenchSettings,
  log: (line: string) => void,
): Promise<LibvirtScenarioResult> {
  const python = ensurePythonLibvirt(log);
  let fleet: LibvirtFleet;
  try {
    fleet = await startLibvirtFleet(DOMAINS, log);
  } catch (error) {
    const reason = `the libvirt lab did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    log(reason);
    return { measured: false, reason };
  }
  try {
    const cases: LibvirtCase[] = [];
    for (const call of CALLS) {
      for (const concurrency of CONCURRENCIES) {
        log(`libvirt: ${call} at concurrency ${concurrency}`);
        const connector = createLibvirtConnector({ hosts: [fleet.uri] });
        // virsh is a process per call: at concurrency 32 it measures process spawning on a shared 2-core machine and
        // took most of the quick run's libvirt time, so a quick run measures it at concurrency 1 only.
        const virshRuns = !settings.quick || concurrency === 1;
        const clients = [
          inProcess('hvc', hvcCall(connector, call, fleet.uuids), concurrency, settings),
          ...('version' in python ? [pythonClient(fleet, call, concurrency, settings)] : []),
          ...(virshRuns
            ? [inProcess('virsh', virshLoad(fleet.uri, call, fleet.uuids), concurrency, settings)]
            : []),
        ];
        const measured = await measureInterleaved(clients, settings);
        await connector.close();
        if ('unavailable' in python) measured.splice(1, 0, notMeasured(C_BINDING, python.unavailable));
        if (!virshRuns) measured.push(notMeasured('virsh', 'not run by --quick at this concurrency'));
        cases.push({ call, concurrency, clients: measured });
      }
    }
    const samples = settings.quick ? 10 : 40;
    log('libvirt: event to operation delay');
    const hvcDelay = await hvcEventDelay(fleet, samples);
    const pythonDelay =
      'unavailable' in python
        ? { ...delayStats([]), note: python.unavailable }
        : delayStats(await runPythonEventDelay(fleet.uri, fleet.eventGuest, samples));
    return {
      measured: true,
      uri: 'qemu+tcp (loopback)',
      domains: DOMAINS,
      libvirtVersion: fleet.libvirtVersion,
      python: 'version' in python ? { version: python.version } : { reason: python.unavailable },
      cases,
      eventDelay: { hvc: hvcDelay, python: pythonDelay },
    };
  } finally {
    await fleet.close();
  }
}
