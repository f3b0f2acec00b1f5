import {
  createResolver,
  type Resolver,
  type ResolverEvent,
  type TargetDescriptor,
} from '@hvc/hypervisor-resolver';
import type { Logger } from 'pino';
import { breakerCensus } from '../connectors/breaker-census.js';
import { connectorKinds } from '../connectors/connector-kinds.js';
import type { TenantConfigPolicy } from '../connectors/tenant-config-policy.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { TargetStore } from '../storage/target-store.js';

/**
 * The server's resolver: the connector kinds it offers (the memory kind only with `demoKinds`), each target read
 * from the store by its key on every resolve and checked against the tenant `policy` (a row stored before a rule
 * existed gets no connector), and each circuit breaker's changes logged and counted in the metrics.
 */
export function createTargetResolver(
  targets: TargetStore,
  metrics: ServerMetrics,
  logger: Logger,
  options: { readonly demoKinds: boolean; readonly policy: TenantConfigPolicy },
): Resolver {
  const census = breakerCensus(metrics);
  return createResolver({
    connectors: connectorKinds(options),
    targets: policedTargetSource(targets, options.policy),
    onEvent: (event: ResolverEvent) => {
      census(event);
      if (event.type === 'breaker') {
        logger.warn(
          { target: event.targetId, from: event.from, to: event.to, reason: event.reason },
          'circuit breaker',
        );
      }
    },
  });
}

/**
 * The resolver's target source: each target read from `targets` by its key and checked against `policy`, so a
 * row stored before a rule existed (or written to the database directly) gets no connector.
 */
export function policedTargetSource(
  targets: TargetStore,
  policy: TenantConfigPolicy,
): (key: string) => Promise<TargetDescriptor | undefined> {
  return async (key: string) => {
    const descriptor = await targets.descriptor(key);
    if (descriptor !== undefined) await policy.check(descriptor);
    return descriptor;
  };
}
