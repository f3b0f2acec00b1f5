import type { ConnectorFactory, HypervisorConnector } from '@hvc/hypervisor-connector';
import type { BenchSettings } from '../bench-settings.js';
import { createBenchConnector } from '../clients/hvc-connector-client.js';
import { RawUndiciClient } from '../clients/raw-undici-client.js';
import { median } from '../load/stats.js';
import { buildGuestFleet, type FleetGuest } from '../responder/guest-fleet.js';
import { ResponderProcess } from '../responder/responder-process.js';
import type { ResponderStats } from '../responder/responder-server.js';
import type { BenchCertificate } from '../tls/bench-certificate.js';

/** One way of starting the guests and waiting for them: medians over the runs. */
export interface FanoutLine {
  readonly label: string;
  readonly wallMs: number | null;
  /** The fastest and the slowest run's wall time. */
  readonly wallMsRange?: readonly [number, number] | null;
  /** `wallMs` over the task duration: 1 is the ideal. */
  readonly vsIdeal: number | null;
  /**
   * Reads made to learn how the tasks go, per operation: status polls plus reads of a node's task list (the
   * latter also counts the starts' own precondition reads, so it errs high).
   */
  readonly pollsPerOperation: number | null;
  /** Of which task status polls. */
  readonly statusPollsPerOperation?: number | null;
  /** Every request the responder saw (checks, starts, polls) per operation. */
  readonly requestsPerOperation: number | null;
  /** How long after the first task started the last one did, ms: the starts' own cost through the cap. */
  readonly startSpreadMs: number | null;
  readonly socketsOpened: number | null;
  /** Most requests the responder had in flight at once. */
  readonly maxInFlight: number | null;
  /** Median delay between a task's end and the poll that saw it. */
  readonly detectionLagMs: number | null;
  readonly failed: number | null;
  readonly note?: string;
}

/** The fan-out scenario's results. */
export interface FanoutResult {
  readonly operations: number;
  readonly taskDurationMs: number;
  /** The per-target concurrency cap both clients ran with. */
  readonly concurrencyCap: number;
  readonly lines: readonly FanoutLine[];
}

const OPERATIONS = 1_000;
const TASK_MS = 2_000;
// The connector's default per-target cap.
const CAP = 4;
const FIXED_POLL_MS = 1_000;

interface FanoutRun {
  readonly wallMs: number;
  readonly failed: number;
  readonly firstError?: string;
  readonly stats: ResponderStats;
}

/**
 * 1,000 concurrent `startGuest` + `waitForOperation` against a responder whose tasks end 2 s after they start:
 * hvc (its default cap and backoff) vs a fixed 1 s poll over raw undici with the same cap — what every peer does.
 * The responder counts polls, sockets and the most requests in flight.
 */
export async function runOperationFanout(
  settings: BenchSettings,
  certificate: BenchCertificate,
  factory: ConnectorFactory | undefined,
  factoryUnavailable: string | undefined,
  log: (line: string) => void,
): Promise<FanoutResult> {
  log('operation fan-out: 1,000 starts and waits, tasks of 2 s');
  const responder = await ResponderProcess.start(
    { guests: 5_000, nodes: 32, taskDurationMs: TASK_MS },
    certificate,
  );
  // Stopped guests, so that a start is what a client would send (the connector checks the state first).
  const guests = buildGuestFleet(5_000, 32)
    .guests.filter((guest) => !guest.running)
    .slice(0, OPERATIONS);
  const hvcRuns: FanoutRun[] = [];
  const fixedRuns: FanoutRun[] = [];
  try {
    for (let run = 0; run < settings.scenarioRuns; run++) {
      if (factory)
        hvcRuns.push(await measure(responder, () => fanOutWithConnector(factory, responder, guests)));
      fixedRuns.push(await measure(responder, () => fanOutWithFixedPoll(responder, guests)));
    }
  } finally {
    await responder.close();
  }
  const hvc = factory
    ? summarise('hvc (its default task polling)', hvcRuns)
    : unmeasured('hvc', factoryUnavailable ?? 'not measured');
  return {
    operations: OPERATIONS,
    taskDurationMs: TASK_MS,
    concurrencyCap: CAP,
    lines: [hvc, summarise('fixed 1 s poll (raw undici)', fixedRuns)],
  };
}

interface Timed {
  readonly wallMs: number;
  readonly failed: number;
  readonly firstError?: string;
}

async function measure(responder: ResponderProcess, fanOut: () => Promise<Timed>): Promise<FanoutRun> {
  await responder.reset();
  const timed = await fanOut();
  return { ...timed, stats: await responder.stats() };
}

/** Starts every guest at once, waits for all of them, and times it; `failed` counts the rejected ones. */
async function timeAll(
  guests: readonly FleetGuest[],
  startAndWait: (guest: FleetGuest) => Promise<unknown>,
): Promise<Timed> {
  const started = performance.now();
  const outcomes = await Promise.allSettled(guests.map(startAndWait));
  const wallMs = performance.now() - started;
  const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
  const reason: unknown = rejected[0]?.reason;
  return {
    wallMs,
    failed: rejected.length,
    ...(reason === undefined
      ? {}
      : { firstError: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason) }),
  };
}

/**
 * Starts and waits with a fresh connector whose guest locations are already cached (one listing first, not timed,
 * as in a control plane that has been running): the sockets it opens are all counted.
 */
async function fanOutWithConnector(
  factory: ConnectorFactory,
  responder: ResponderProcess,
  guests: readonly FleetGuest[],
): Promise<Timed> {
  const connector: HypervisorConnector = createBenchConnector(factory, responder.target, CAP);
  try {
    await connector.listGuests();
    return await timeAll(guests, async (guest) => {
      const operation = await connector.startGuest(`${guest.type}/${guest.vmid}`);
      return connector.waitForOperation(operation.id);
    });
  } finally {
    await connector.close();
  }
}

/**
 * Starts and waits the way the peer clients' helpers do: a status poll at once and then every second (proxmoxer's
 * `Tasks.blocking_status` also sleeps once more after the poll that sees the end; this baseline does not).
 */
async function fanOutWithFixedPoll(
  responder: ResponderProcess,
  guests: readonly FleetGuest[],
): Promise<Timed> {
  const client = new RawUndiciClient(responder.target, CAP);
  try {
    return await timeAll(guests, async (guest) => {
      const upid = (await client.postJson(
        `/api2/json/nodes/${guest.node}/${guest.type}/${guest.vmid}/status/start`,
      )) as string;
      const path = `/api2/json/nodes/${guest.node}/tasks/${encodeURIComponent(upid)}/status`;
      for (;;) {
        const status = (await client.getJson(path)) as { status: string; exitstatus?: string };
        if (status.status === 'stopped') {
          if (status.exitstatus !== 'OK') throw new Error(`task failed: ${status.exitstatus}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, FIXED_POLL_MS));
      }
    });
  } finally {
    await client.close();
  }
}

function summarise(label: string, runs: readonly FanoutRun[]): FanoutLine {
  const wallMs = median(runs.map((run) => run.wallMs));
  const walls = runs.map((run) => run.wallMs);
  const failed = runs.reduce((sum, run) => sum + run.failed, 0);
  const firstError = runs.find((run) => run.firstError)?.firstError;
  return {
    label,
    wallMs,
    vsIdeal: wallMs / TASK_MS,
    wallMsRange: walls.length === 0 ? null : [Math.min(...walls), Math.max(...walls)],
    pollsPerOperation: median(
      runs.map(
        (run) => (run.stats.tasks.polls + run.stats.byKind['task-list']) / Math.max(1, run.stats.tasks.tasks),
      ),
    ),
    statusPollsPerOperation: median(
      runs.map((run) => run.stats.tasks.polls / Math.max(1, run.stats.tasks.tasks)),
    ),
    requestsPerOperation: median(runs.map((run) => run.stats.requests / OPERATIONS)),
    startSpreadMs: median(runs.map((run) => run.stats.tasks.startSpreadMs ?? Number.NaN)),
    socketsOpened: median(runs.map((run) => run.stats.socketsOpened)),
    maxInFlight: Math.max(...runs.map((run) => run.stats.maxInFlight)),
    detectionLagMs: median(runs.map((run) => run.stats.tasks.medianDetectionLagMs ?? Number.NaN)),
    failed,
    ...(failed > 0
      ? { note: `${failed} operations failed over ${runs.length} runs; first: ${firstError}` }
      : {}),
  };
}

function unmeasured(label: string, reason: string): FanoutLine {
  return {
    label,
    wallMs: null,
    vsIdeal: null,
    pollsPerOperation: null,
    requestsPerOperation: null,
    startSpreadMs: null,
    socketsOpened: null,
    maxInFlight: null,
    detectionLagMs: null,
    failed: null,
    note: reason,
  };
}
