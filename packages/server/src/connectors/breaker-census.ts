import type { ResolverEvent } from '@hvc/hypervisor-resolver';
import type { ServerMetrics } from '../observability/metrics.js';

const STATES = ['closed', 'half-open', 'open'] as const;

/**
 * Counts the targets whose circuit breaker is in each state, from the resolver's events, into the `breakers`
 * gauge: one series per state however many targets there are. A target is forgotten when its connector closes, so
 * what is held is bounded by the resolver's cache.
 */
export function breakerCensus(metrics: ServerMetrics): (event: ResolverEvent) => void {
  const states = new Map<string, string>();
  const publish = () => {
    for (const state of STATES) {
      let n = 0;
      for (const s of states.values()) if (s === state) n++;
      metrics.breakers.set({ state }, n);
    }
  };
  publish();
  return (event) => {
    if (event.type === 'breaker') states.set(event.targetId, event.to);
    else if (event.type === 'close') states.delete(event.targetId);
    else return;
    publish();
  };
}
