/** How long and how often each measurement runs. */
export interface BenchSettings {
  readonly quick: boolean;
  /** Length of one measured run, ms. */
  readonly runMs: number;
  /** Length of the warm-up before a client's first measured run, ms. */
  readonly warmupMs: number;
  /** Measured runs per client and case; the median is reported. */
  readonly runs: number;
  /** Runs of the fleet listing and fan-out scenarios. */
  readonly scenarioRuns: number;
}

/** The settings of a full run, or of a short one (`--quick`, under 3 minutes). */
export function benchSettings(quick: boolean): BenchSettings {
  return quick
    ? { quick, runMs: 500, warmupMs: 200, runs: 3, scenarioRuns: 2 }
    : { quick, runMs: 3_000, warmupMs: 1_500, runs: 5, scenarioRuns: 5 };
}
