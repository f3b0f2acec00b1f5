import { isDiskKey } from '../state/guest-volumes.js';
import type { PveGuestState } from '../state/model.js';

const COUNTERS = [
  'failed_flush_operations',
  'failed_rd_operations',
  'failed_unmap_operations',
  'failed_wr_operations',
  'flush_operations',
  'flush_total_time_ns',
  'invalid_flush_operations',
  'invalid_rd_operations',
  'invalid_unmap_operations',
  'invalid_wr_operations',
  'rd_bytes',
  'rd_merged',
  'rd_operations',
  'rd_total_time_ns',
  'unmap_bytes',
  'unmap_merged',
  'unmap_operations',
  'unmap_total_time_ns',
  'wr_bytes',
  'wr_highest_offset',
  'wr_merged',
  'wr_operations',
  'wr_total_time_ns',
];

/** QMP `query-blockstats` per drive of a running VM, as `status/current` reports it (`account_*` are real booleans). */
export function blockstat(g: PveGuestState): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const key of Object.keys(g.config)) {
    if (!isDiskKey('qemu', key) || key === 'efidisk0' || key === 'tpmstate0') continue;
    out[key] = {
      ...Object.fromEntries(COUNTERS.map((c) => [c, 0])),
      account_failed: true,
      account_invalid: true,
      timed_stats: [],
    };
  }
  return out;
}
