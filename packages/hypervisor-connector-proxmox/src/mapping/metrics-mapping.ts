import type { MetricPoint, MetricSeries, MetricTimeframe } from '@hvc/hypervisor-connector';
import type { PveRrdPoint } from '../schemas/nodes.js';

/** PVE's RRD step per timeframe, used when a series has fewer than two points. */
const STEP_SECONDS: Record<MetricTimeframe, number> = {
  hour: 60,
  day: 30 * 60,
  week: 3 * 60 * 60,
  month: 12 * 60 * 60,
  year: 7 * 24 * 60 * 60,
};

/** A guest's metric series from `rrddata` (network and disk values are already rates per second there). */
export function metricSeriesFromPve(
  guestId: string,
  timeframe: MetricTimeframe,
  points: readonly PveRrdPoint[],
): MetricSeries {
  const sorted = [...points].sort((a, b) => a.time - b.time);
  const first = sorted[0];
  const second = sorted[1];
  const resolutionSeconds =
    first && second && second.time > first.time ? second.time - first.time : STEP_SECONDS[timeframe];
  return {
    guestId,
    timeframe,
    resolutionSeconds,
    points: sorted.map(
      (point): MetricPoint => ({
        time: new Date(point.time * 1000).toISOString(),
        ...(point.cpu === undefined ? {} : { cpu: point.cpu }),
        ...(point.mem === undefined ? {} : { memoryBytes: point.mem }),
        ...(point.maxmem === undefined ? {} : { memoryTotalBytes: point.maxmem }),
        ...(point.netin === undefined ? {} : { netInBytesPerSecond: point.netin }),
        ...(point.netout === undefined ? {} : { netOutBytesPerSecond: point.netout }),
        ...(point.diskread === undefined ? {} : { diskReadBytesPerSecond: point.diskread }),
        ...(point.diskwrite === undefined ? {} : { diskWriteBytesPerSecond: point.diskwrite }),
      }),
    ),
  };
}
