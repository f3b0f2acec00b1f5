import type { HypervisorConnector } from '@hvc/hypervisor-connector';
import { createMemoryConnector } from '@hvc/hypervisor-connector-memory';
import { describe, expect, it } from 'vitest';
import type { ConnectorResolver } from '../../src/connectors/connector-resolver.js';
import { instrumentResolver } from '../../src/connectors/instrumented-resolver.js';
import { createServerMetrics } from '../../src/observability/metrics.js';

/** A resolver that hands out `current` for every target, as the hypervisor resolver does until it retires one. */
function resolverOf(current: { connector: HypervisorConnector }): ConnectorResolver {
  return {
    resolve: async () => current.connector,
    evict: async () => {},
    validateTarget: async () => ({}) as never,
  };
}

describe('instrumentResolver', () => {
  it('wraps a resolved connector once, counts every call through it, and wraps a new connector anew', async () => {
    const metrics = createServerMetrics();
    const current = { connector: createMemoryConnector() as HypervisorConnector };
    const resolver = instrumentResolver(resolverOf(current), metrics);
    const first = await resolver.resolve('t1');
    const again = await resolver.resolve('t1');
    expect(again).toBe(first);
    await first.listGuests();
    await again.listGuests();
    const counted = async () =>
      (await metrics.connectorCalls.get()).values.find(
        (value) => value.labels.method === 'listGuests' && value.labels.outcome === 'ok',
      )?.value;
    expect(await counted()).toBe(2);

    const replaced = current.connector;
    current.connector = createMemoryConnector() as HypervisorConnector;
    const next = await resolver.resolve('t1');
    expect(next).not.toBe(first);
    await next.listGuests();
    expect(await counted()).toBe(3);
    await Promise.all([replaced.close(), current.connector.close()]);
  });
});
