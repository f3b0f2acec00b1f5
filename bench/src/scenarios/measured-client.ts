import type { LoadResult } from '../load/load-runner.js';
import { median } from '../load/stats.js';

/** One client's line in a table: medians over the runs, or why it was not measured. */
export interface ClientMeasurement {
  readonly label: string;
  readonly perSecond: number | null;
  /** The slowest and the fastest run's calls/s: the spread behind the median. */
  readonly perSecondRange: readonly [number, number] | null;
  /** Each run's calls/s, in run order: runs of clients measured interleaved pair up round by round. */
  readonly perSecondRuns?: readonly number[];
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** The responder's CPU use while this client ran, as a share of one core (median over runs). */
  readonly responderCpuShare: number | null;
  /** HTTP requests the responder saw per completed call: shows every client made the same requests. */
  readonly requestsPerCall: number | null;
  /** Why the numbers are missing or doubtful (errors during the runs, client unavailable). */
  readonly note?: string;
}

/** What the responder saw during one run of a client. */
export interface ResponderSample {
  readonly cpuShare: number;
  /** `null` when the run's request count includes requests outside the run (a warm-up in the same process). */
  readonly requestsPerCall: number | null;
}

/** Medians of several runs of one client; a run with errors is reported in `note`, never hidden. */
export function summariseRuns(
  label: string,
  runs: readonly LoadResult[],
  samples: readonly ResponderSample[],
): ClientMeasurement {
  const perCall = samples.flatMap((sample) =>
    sample.requestsPerCall === null ? [] : [sample.requestsPerCall],
  );
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  const firstError = runs.find((run) => run.firstError)?.firstError;
  return {
    label,
    perSecond: median(runs.map((run) => run.perSecond)),
    perSecondRange:
      runs.length === 0
        ? null
        : [Math.min(...runs.map((run) => run.perSecond)), Math.max(...runs.map((run) => run.perSecond))],
    perSecondRuns: runs.map((run) => run.perSecond),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    responderCpuShare: samples.length === 0 ? null : median(samples.map((sample) => sample.cpuShare)),
    requestsPerCall: perCall.length === 0 ? null : median(perCall),
    ...(errors > 0 ? { note: `${errors} failed calls; first: ${firstError}` } : {}),
  };
}

/** A client that could not be measured. */
export function notMeasured(label: string, reason: string): ClientMeasurement {
  return {
    label,
    perSecond: null,
    perSecondRange: null,
    p50Ms: null,
    p99Ms: null,
    responderCpuShare: null,
    requestsPerCall: null,
    note: reason,
  };
}
