import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createPveFake, type RouteDef } from '../src/index.js';

/** `../shared/pve` beside the repository (CI clones it there). Missing → the tests fail, never skip. */
const SHARED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..', '../shared/pve');

interface SchemaParam {
  type?: string;
  optional?: number;
  enum?: string[];
  description?: string;
}
interface SchemaMethod {
  allowtoken?: number;
  parameters?: { properties?: Record<string, SchemaParam> };
}
interface SchemaNode {
  path: string;
  info?: Record<string, SchemaMethod>;
  children?: SchemaNode[];
}

function loadSchema(version: 8 | 9): Map<string, SchemaNode> {
  const file = path.join(SHARED, `apidata.pve${version}.json`);
  if (!existsSync(file)) {
    throw new Error(
      `PVE ${version} schema not found at ${file}: clone the shared reference data beside the repository (../shared/pve)`,
    );
  }
  const index = new Map<string, SchemaNode>();
  const walk = (nodes: SchemaNode[]): void => {
    for (const n of nodes) {
      index.set(n.path, n);
      walk(n.children ?? []);
    }
  };
  walk(JSON.parse(readFileSync(file, 'utf8')) as SchemaNode[]);
  return index;
}

const routes: readonly RouteDef[] = createPveFake().routes;
const label = (r: RouteDef) => `${r.method} ${r.path}`;

/** Loaded on first use, so a missing schema fails every test (none is skipped). */
const loaded = new Map<8 | 9, Map<string, SchemaNode>>();
const schemaOf = (version: 8 | 9): Map<string, SchemaNode> => {
  if (!loaded.has(version)) loaded.set(version, loadSchema(version));
  return loaded.get(version)!;
};
const schemaIndex = () => schemaOf(9);

describe('the fake routing table against the PVE 9 schema', () => {
  it('serves each method+path once', () => {
    const labels = routes.map(label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it.each(routes.map((r) => [label(r), r] as const))(
    '%s exists in the schema with the same method',
    (_, r) => {
      expect(
        schemaIndex().get(r.path)?.info?.[r.method],
        `${label(r)} is not in apidata.pve9.json`,
      ).toBeDefined();
    },
  );

  it.each(routes.map((r) => [label(r), r] as const))(
    '%s accepts only declared parameters, typed and required as declared',
    (_, r) => {
      const method = schemaIndex().get(r.path)?.info?.[r.method];
      expect(method, `${label(r)} is not in apidata.pve9.json`).toBeDefined();
      const props = method!.parameters?.properties ?? {};
      for (const [name, spec] of Object.entries(r.params)) {
        const declared = props[name];
        expect(declared, `${label(r)}: parameter '${name}' is not in the schema`).toBeDefined();
        expect(spec.type, `${label(r)}: type of '${name}'`).toBe(declared!.type);
        expect(!!spec.optional, `${label(r)}: '${name}' optional`).toBe(!!declared!.optional);
        if (spec.type === 'string' && spec.enum) {
          for (const v of spec.enum)
            expect(declared!.enum ?? [], `${label(r)}: enum value ${v} of '${name}'`).toContain(v);
        }
        if (spec.indexed !== undefined) {
          const m = /n is 0 to (\d+)/.exec(declared!.description ?? '');
          if (m) expect(spec.indexed, `${label(r)}: index range of '${name}'`).toBe(Number(m[1]) + 1);
        }
      }
      for (const [name, declared] of Object.entries(props)) {
        if (!declared.optional)
          expect(r.params[name], `${label(r)}: required parameter '${name}' not declared`).toBeDefined();
      }
      expect(r.allowToken !== false, `${label(r)}: allowtoken`).toBe(method!.allowtoken !== 0);
    },
  );

  it('covers the endpoints the issue lists', () => {
    const served = new Set(routes.map(label));
    const expected = [
      'GET /version',
      'POST /access/ticket',
      'GET /access/permissions',
      'GET /cluster/status',
      'GET /cluster/resources',
      'GET /cluster/nextid',
      'GET /cluster/tasks',
      'GET /nodes',
      'GET /nodes/{node}/status',
      'GET /nodes/{node}/tasks',
      'GET /nodes/{node}/tasks/{upid}/status',
      'GET /nodes/{node}/tasks/{upid}/log',
      'DELETE /nodes/{node}/tasks/{upid}',
      'GET /nodes/{node}/storage',
      'GET /nodes/{node}/storage/{storage}/content',
      'GET /nodes/{node}/rrddata',
    ];
    for (const t of ['qemu', 'lxc']) {
      const b = `/nodes/{node}/${t}`;
      expected.push(
        `GET ${b}`,
        `POST ${b}`,
        `GET ${b}/{vmid}/status/current`,
        `GET ${b}/{vmid}/config`,
        `PUT ${b}/{vmid}/config`,
        ...['start', 'stop', 'shutdown', 'reboot', 'suspend', 'resume'].map(
          (a) => `POST ${b}/{vmid}/status/${a}`,
        ),
        `POST ${b}/{vmid}/clone`,
        `GET ${b}/{vmid}/migrate`,
        `POST ${b}/{vmid}/migrate`,
        `DELETE ${b}/{vmid}`,
        `GET ${b}/{vmid}/snapshot`,
        `POST ${b}/{vmid}/snapshot`,
        `DELETE ${b}/{vmid}/snapshot/{snapname}`,
        `POST ${b}/{vmid}/snapshot/{snapname}/rollback`,
        `GET ${b}/{vmid}/snapshot/{snapname}/config`,
        `PUT ${b}/{vmid}/resize`,
        `POST ${b}/{vmid}/vncproxy`,
        `POST ${b}/{vmid}/termproxy`,
        `GET ${b}/{vmid}/rrddata`,
      );
    }
    expected.push('POST /nodes/{node}/qemu/{vmid}/config', 'POST /nodes/{node}/qemu/{vmid}/status/reset');
    for (const e of expected) expect(served.has(e), `${e} is not served`).toBe(true);
  });
});

describe('the routing table of PVE 8 mode against the PVE 8.4 schema', () => {
  const routes8 = createPveFake({ pveVersion: 8 }).routes;

  it('leaves out the routes PVE 8 does not have', () => {
    expect(routes8.map(label)).not.toContain('GET /nodes/{node}/lxc/{vmid}/migrate');
    expect(routes8.length).toBe(routes.length - 1);
  });

  // Enum values are not compared: PVE 9 added some (`decade`, `fabric`) that PVE 8 mode still accepts.
  it.each(routes8.map((r) => [label(r), r] as const))('%s exists with the same parameters', (_, r) => {
    const method = schemaOf(8).get(r.path)?.info?.[r.method];
    expect(method, `${label(r)} is not in apidata.pve8.json`).toBeDefined();
    const props = method!.parameters?.properties ?? {};
    for (const [name, spec] of Object.entries(r.params)) {
      expect(props[name], `${label(r)}: parameter '${name}' is not in the PVE 8 schema`).toBeDefined();
      expect(spec.type, `${label(r)}: type of '${name}'`).toBe(props[name]!.type);
      expect(!!spec.optional, `${label(r)}: '${name}' optional`).toBe(!!props[name]!.optional);
    }
    for (const [name, declared] of Object.entries(props)) {
      if (!declared.optional)
        expect(r.params[name], `${label(r)}: required parameter '${name}' not declared`).toBeDefined();
    }
  });
});
