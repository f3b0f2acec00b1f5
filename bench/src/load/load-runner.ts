import { percentileOfSorted } from './stats.js';

const MAX_ERRORS = 100;

/** One call of the thing measured; resolves when the call has completed and its result is consumed. */
export type Call = () => Promise<unknown>;

/** The outcome of one closed-loop run. */
export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The first error seen, to make a failing client visible instead of fast. */
  readonly firstError?: string;
}

/** How long and how wide a run is. */
export interface LoadShape {
  readonly concurrency: number;
  readonly durationMs: number;
}

/**
 * Runs `call` in a closed loop from `concurrency` workers for `durationMs` (each worker starts its next call when
 * its previous one completes) and reports the throughput and latency percentiles.
 */
export async function runLoad(call: Call, shape: LoadShape): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + shape.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await call();
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        // A client that fails at once would otherwise spin until the deadline.
        if (errors >= MAX_ERRORS) return;
      }
    }
  };
  await Promise.all(Array.from({ length: shape.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentileOfSorted(sorted, 50),
    p99Ms: percentileOfSorted(sorted, 99),
    ...(firstError === undefined ? {} : { firstError }),
  };
}
