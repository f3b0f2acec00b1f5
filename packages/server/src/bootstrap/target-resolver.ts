import { createResolver, type Resolver, type ResolverEvent } from '@hvc/hypervisor-resolver';
import type { Logger } from 'pino';
import { CONNECTOR_KINDS } from '../connectors/connector-kinds.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { TargetStore } from '../storage/target-store.js';

const BREAKER_STATES: Record<string, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * The server's resolver: the connector kinds it knows, each target read from the store on every resolve, and each
 * circuit breaker's changes logged and reported in the metrics.
 */
export function createTargetResolver(targets: TargetStore, metrics: ServerMetrics, logger: Logger): Resolver {
  return createResolver({
    connectors: CONNECTOR_KINDS,
    targets: (id) => targets.descriptor(id),
    onEvent: (event: ResolverEvent) => {
      if (event.type === 'breaker') {
        metrics.breakerState.set({ target: event.targetId }, BREAKER_STATES[event.to] ?? -1);
        logger.warn(
          { target: event.targetId, from: event.from, to: event.to, reason: event.reason },
          'circuit breaker',
        );
      }
    },
  });
}
