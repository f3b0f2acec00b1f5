import type { CallOptions, HypervisorConnector } from '@hvc/hypervisor-connector';
import { toHypervisorError } from '@hvc/hypervisor-connector';
import type { ServerMetrics } from '../observability/metrics.js';
import type { ConnectorResolver } from './connector-resolver.js';

/** Wraps a resolver so each connector call is counted and timed by target, method and outcome. */
export function instrumentResolver(resolver: ConnectorResolver, metrics: ServerMetrics): ConnectorResolver {
  return {
    async resolve(targetId: string, options?: CallOptions) {
      const connector = await resolver.resolve(targetId, options);
      return new Proxy(connector, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver) as unknown;
          if (typeof value !== 'function' || typeof property !== 'string' || property === 'close')
            return value;
          return (...args: unknown[]) => {
            const started = process.hrtime.bigint();
            const record = (outcome: string) => {
              metrics.connectorCalls.inc({ target: targetId, method: property, outcome });
              metrics.connectorDuration.observe(
                { target: targetId, method: property },
                Number(process.hrtime.bigint() - started) / 1e9,
              );
            };
            const result = (value as (...a: unknown[]) => unknown).apply(target, args);
            if (result instanceof Promise) {
              return result.then(
                (v) => {
                  record('ok');
                  return v;
                },
                (error: unknown) => {
                  record(toHypervisorError(error).code);
                  throw error;
                },
              );
            }
            return result;
          };
        },
      }) as HypervisorConnector;
    },
  };
}
