import { SPECIFICATION_VERSION } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { ConformanceCase } from '../conformance-case.js';
import { fail } from '../expect-error.js';

/** The connector's factory, as a resolver uses it. */
export const factoryCases: readonly ConformanceCase[] = [
  {
    id: 'factory.creates-connector',
    title: 'the factory validates its config and creates a connector of its kind',
    needs: ['factory'],
    async run(ctx) {
      const { factory, config } = ctx.fixture.factory!;
      expect(factory.kind).toMatch(/^[a-z0-9-]+$/);
      expect(factory.kind).toBe(ctx.connector.kind);
      expect(factory.specificationVersion).toBe(SPECIFICATION_VERSION);
      const parsed = factory.configSchema.safeParse(config);
      if (!parsed.success) {
        fail(`the factory's configSchema rejects the fixture's config: ${parsed.error.message}`);
      }
      const connector = factory.create(parsed.data, { targetId: 'kit-target' });
      try {
        expect(connector.kind).toBe(factory.kind);
        expect(connector.specificationVersion).toBe(SPECIFICATION_VERSION);
        expect((await connector.describe()).kind).toBe(factory.kind);
      } finally {
        await connector.close();
      }
    },
  },
  {
    id: 'factory.rejects-bad-config',
    title: 'the factory’s configSchema rejects a config that is not an object',
    needs: ['factory'],
    async run(ctx) {
      const { factory } = ctx.fixture.factory!;
      for (const bad of [null, 42, 'config', [1]]) {
        expect(factory.configSchema.safeParse(bad).success, `config ${JSON.stringify(bad)}`).toBe(false);
      }
    },
  },
];
