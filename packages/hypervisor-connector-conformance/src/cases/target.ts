import {
  type CapabilityName,
  FULL_CAPABILITIES,
  hasCapability,
  NodeNameSchema,
  OPTIONAL_CAPABILITY_GROUPS,
  SPECIFICATION_VERSION,
} from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { ConformanceCase } from '../conformance-case.js';
import { fail } from '../expect-error.js';
import { capabilityNames } from './capability-names.js';

/** describe() and listNodes(): who the target is and what it can do. */
export const targetCases: readonly ConformanceCase[] = [
  {
    id: 'target.describe-identity',
    title: 'describe() reports the connector kind, spec v1 and a product version',
    async run({ connector }) {
      const info = await connector.describe();
      expect(connector.specificationVersion).toBe(SPECIFICATION_VERSION);
      expect(info.specificationVersion).toBe(SPECIFICATION_VERSION);
      expect(info.kind).toBe(connector.kind);
      expect(info.kind).toMatch(/^[a-z0-9-]+$/);
      expect(typeof info.version).toBe('string');
      expect(info.version.length).toBeGreaterThan(0);
      expect(typeof info.raw).toBe('object');
    },
  },
  {
    id: 'target.describe-nodes',
    title: 'describe() lists the same nodes as listNodes()',
    async run({ connector }) {
      const [info, nodes] = await Promise.all([connector.describe(), connector.listNodes()]);
      expect(info.nodes.map((n) => n.name).sort()).toEqual(nodes.map((n) => n.name).sort());
    },
  },
  {
    id: 'target.describe-capabilities-refined',
    title: 'describe() capabilities are complete and only narrow the static ones',
    async run({ connector }) {
      const refined = (await connector.describe()).capabilities;
      const optional: readonly string[] = OPTIONAL_CAPABILITY_GROUPS;
      for (const key of Object.keys(FULL_CAPABILITIES).filter((k) => !optional.includes(k))) {
        if (!(key in refined)) fail(`describe().capabilities has no "${key}"`);
        if (!(key in connector.capabilities)) fail(`connector.capabilities has no "${key}"`);
      }
      const widened: CapabilityName[] = capabilityNames().filter(
        (name) => hasCapability(refined, name) && !hasCapability(connector.capabilities, name),
      );
      expect(widened, 'capabilities describe() adds to the static map').toEqual([]);
    },
  },
  {
    id: 'target.list-nodes',
    title: 'listNodes() returns named nodes with a status, each once',
    async run({ connector }) {
      const nodes = await connector.listNodes();
      expect(nodes.length).toBeGreaterThan(0);
      const names = nodes.map((n) => n.name);
      expect(new Set(names).size).toBe(names.length);
      for (const node of nodes) {
        expect(NodeNameSchema.safeParse(node.name).success, `node name ${node.name}`).toBe(true);
        expect(['online', 'offline', 'unknown']).toContain(node.status);
        expect(typeof node.raw).toBe('object');
      }
    },
  },
];
