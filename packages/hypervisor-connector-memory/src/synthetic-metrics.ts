import type { MetricPoint, MetricSeries, MetricsRequest, MetricTimeframe } from '@hvc/hypervisor-connector';
import type { MemoryContext } from './memory-context.js';
import { noise } from './synthetic-noise.js';

/** Seconds between points, per timeframe. */
const RESOLUTION_SECONDS: Readonly<Record<MetricTimeframe, number>> = {
  hour: 60,
  day: 30 * 60,
  week: 3 * 60 * 60,
  month: 12 * 60 * 60,
  year: 7 * 24 * 60 * 60,
};

/** How many points a series has. */
export const METRIC_POINTS = 70;

/**
 * A synthetic metric series: {@link METRIC_POINTS} points at the timeframe's resolution, the newest in the current
 * interval of the clock. The values depend only on the guest, the interval and the guest's current state (an
 * inactive guest uses nothing), so the same clock gives the same series.
 */
export function memoryMetrics(
  context: MemoryContext,
  guestId: string,
  request: MetricsRequest,
): MetricSeries {
  const guest = context.state.guest(guestId, context.origin);
  const resolutionSeconds = RESOLUTION_SECONDS[request.timeframe];
  const newest = Math.floor(context.clock.now() / 1000 / resolutionSeconds);
  const active = guest.state === 'running';
  const memoryTotalBytes = guest.config.memoryMiB * 1024 * 1024;
  const points: MetricPoint[] = [];
  for (let interval = newest - METRIC_POINTS + 1; interval <= newest; interval++) {
    const sample = (lane: number) => (active ? noise(guest.vmid * 8 + lane, interval) : 0);
    points.push({
      time: new Date(interval * resolutionSeconds * 1000).toISOString(),
      cpu: round(sample(0) * 0.8, 4),
      memoryBytes: Math.round(memoryTotalBytes * (active ? 0.2 + 0.6 * sample(1) : 0)),
      memoryTotalBytes,
      netInBytesPerSecond: Math.round(sample(2) * 1_000_000),
      netOutBytesPerSecond: Math.round(sample(3) * 500_000),
      diskReadBytesPerSecond: Math.round(sample(4) * 5_000_000),
      diskWriteBytesPerSecond: Math.round(sample(5) * 2_000_000),
    });
  }
  return { guestId: guest.id, timeframe: request.timeframe, resolutionSeconds, points };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
