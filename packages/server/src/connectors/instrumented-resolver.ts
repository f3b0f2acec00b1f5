import { type CallOptions, type HypervisorConnector, toHypervisorError } from '@hvc/hypervisor-connector';
import { wrapConnector } from '@hvc/hypervisor-connector-kit';
import type { ServerMetrics } from '../observability/metrics.js';
import type { ConnectorResolver } from './connector-resolver.js';

/**
 * Wraps a resolver so each connector call is counted and timed by connector kind, method and outcome. The
 * instrumented wrapper of a resolved connector is made once and kept beside it (the resolver hands out the same
 * connector for a target until it retires it), so a call allocates no wrapper of its own.
 */
export function instrumentResolver(resolver: ConnectorResolver, metrics: ServerMetrics): ConnectorResolver {
  const instrumented = new WeakMap<HypervisorConnector, HypervisorConnector>();
  return {
    evict: (targetKey) => resolver.evict(targetKey),
    validateTarget: (target) => resolver.validateTarget(target),
    async resolve(targetKey: string, options?: CallOptions) {
      const connector = await resolver.resolve(targetKey, options);
      let wrapped = instrumented.get(connector);
      if (wrapped === undefined) {
        wrapped = instrumentConnector(connector, metrics);
        instrumented.set(connector, wrapped);
      }
      return wrapped;
    },
  };
}

/** `connector` with each call counted and timed. */
function instrumentConnector(connector: HypervisorConnector, metrics: ServerMetrics): HypervisorConnector {
  const { kind } = connector;
  return wrapConnector(connector, {
    call: async ({ method }, next) => {
      const started = process.hrtime.bigint();
      let outcome = 'ok';
      try {
        return await next();
      } catch (error) {
        outcome = toHypervisorError(error).code;
        throw error;
      } finally {
        metrics.connectorCalls.inc({ kind, method, outcome });
        metrics.connectorDuration.observe({ kind, method }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
  });
}
