import { isHypervisorError } from '@hvc/hypervisor-connector';
import type { LocatedDomain } from '../domains/guest-locator.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import { numberParam, typedParamMap } from '../rpc/typed-params.js';

/** libvirt's job of a domain as `DOMAIN_GET_JOB_STATS` reports it. */
export interface DomainJob {
  /** Whether a job runs (`VIR_DOMAIN_JOB_NONE` is 0). */
  readonly active: boolean;
  /** Completion 0..1 from the data (memory and disks) processed so far, when libvirt knows the total. */
  readonly progress?: number;
  /** libvirt's figures, for `raw`. */
  readonly stats: Readonly<Record<string, number>>;
}

const FIGURES = [
  'time_elapsed',
  'data_total',
  'data_processed',
  'data_remaining',
  'memory_total',
  'memory_processed',
  'memory_bps',
  'disk_total',
  'disk_processed',
] as const;

/** The job of a domain now; an inactive one when the domain has none (or is no longer on that host). */
export async function readDomainJob(located: LocatedDomain, signal?: AbortSignal): Promise<DomainJob> {
  const reply = await located.host
    .call(P.REMOTE_PROC_DOMAIN_GET_JOB_STATS, { dom: located.dom, flags: 0 }, signal)
    .catch((error: unknown) => {
      // Gone from this host, or no longer active there: it has no job.
      if (isHypervisorError(error, 'NOT_FOUND') || isHypervisorError(error, 'CONFLICT')) return undefined;
      throw error;
    });
  if (reply === undefined) return { active: false, stats: {} };
  const params = typedParamMap(reply.params);
  const stats: Record<string, number> = {};
  for (const field of FIGURES) {
    const value = numberParam(params, field);
    if (value !== undefined) stats[field] = value;
  }
  const total = stats.data_total;
  const processed = stats.data_processed;
  const progress =
    total !== undefined && processed !== undefined && total > 0 ? Math.min(1, processed / total) : undefined;
  return { active: reply.type !== 0, ...(progress === undefined ? {} : { progress }), stats };
}
