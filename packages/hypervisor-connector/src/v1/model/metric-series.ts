/** The time windows metrics are asked for in. */
export const METRIC_TIMEFRAMES = ['hour', 'day', 'week', 'month', 'year'] as const;

/** One of {@link METRIC_TIMEFRAMES}. */
export type MetricTimeframe = (typeof METRIC_TIMEFRAMES)[number];

/** One sample of a guest's metrics; a field is absent where the hypervisor has no value. */
export interface MetricPoint {
  /** ISO 8601. */
  readonly time: string;
  /** CPU load, 0..1 of the guest's CPUs. */
  readonly cpu?: number;
  readonly memoryBytes?: number;
  readonly memoryTotalBytes?: number;
  readonly netInBytesPerSecond?: number;
  readonly netOutBytesPerSecond?: number;
  readonly diskReadBytesPerSecond?: number;
  readonly diskWriteBytesPerSecond?: number;
}

/** A guest's metrics over a timeframe, oldest point first. */
export interface MetricSeries {
  readonly guestId: string;
  readonly timeframe: MetricTimeframe;
  /** Seconds between points. */
  readonly resolutionSeconds: number;
  readonly points: readonly MetricPoint[];
}
