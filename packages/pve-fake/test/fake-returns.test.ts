import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPveFake, type PveFake, type RouteDef } from '../src/index.js';

/** `../shared/pve` beside the repository (CI clones it there). Missing → the tests fail, never skip. */
const SHARED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..', '../shared/pve');

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  optional?: number;
}
interface SchemaNode {
  path: string;
  info?: Record<string, { returns?: Schema }>;
  children?: SchemaNode[];
}

let loaded: Map<string, SchemaNode> | undefined;
function schemaIndex(): Map<string, SchemaNode> {
  if (loaded) return loaded;
  const file = path.join(SHARED, 'apidata.pve9.json');
  if (!existsSync(file)) {
    throw new Error(
      `PVE 9 schema not found at ${file}: clone the shared reference data beside the repository (../shared/pve)`,
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
  loaded = index;
  return index;
}

/** The declared schema of a returned key (`net0` → `net[n]`). */
function propertyOf(props: Record<string, Schema>, key: string): Schema | undefined {
  if (props[key]) return props[key];
  const m = /^([a-z_-]+?)(\d+)$/i.exec(key);
  return m ? props[`${m[1]}[n]`] : undefined;
}

/** Where the returned data disagrees with the declared return schema. */
function returnDiff(schema: Schema | undefined, value: unknown, at: string, out: string[]): void {
  if (!schema?.type || value === undefined) return;
  const t = schema.type;
  const ok =
    (t === 'integer' && Number.isInteger(value)) ||
    (t === 'number' && typeof value === 'number') ||
    (t === 'string' && typeof value === 'string') ||
    (t === 'boolean' && (value === 0 || value === 1 || typeof value === 'boolean')) ||
    (t === 'array' && Array.isArray(value)) ||
    (t === 'object' && typeof value === 'object' && value !== null && !Array.isArray(value)) ||
    (t === 'null' && value === null) ||
    t === 'any';
  if (!ok) {
    out.push(`${at || '<data>'}: declared ${t}, got ${JSON.stringify(value)?.slice(0, 40)}`);
    return;
  }
  if (t === 'array') for (const item of value as unknown[]) returnDiff(schema.items, item, `${at}[]`, out);
  if (t === 'object' && schema.properties) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      // PVE's return schemas are not exhaustive (real servers send undeclared fields such as `disk` or
      // `tokenid`), so only declared fields are checked.
      returnDiff(propertyOf(schema.properties, k), v, `${at}.${k}`, out);
    }
    for (const [k, prop] of Object.entries(schema.properties)) {
      if (!prop.optional && !k.endsWith('[n]') && !(k in (value as object)))
        out.push(`${at}.${k}: required, missing`);
    }
  }
}

/** Documented deviations of real PVE from its own schema, which the fake reproduces on purpose. */
const QUIRKS: Record<string, string[]> = {
  // API.md §1.3: nextid is a JSON string although the schema says integer.
  'GET /cluster/nextid': ['<data>: declared integer, got "104"'],
};

const PATH_VALUES: Record<string, string> = {
  node: 'pve1',
  snapname: 's1',
  storage: 'local-lvm',
  userid: 'root@pam',
  tokenid: 'hvc',
  poolid: 'team',
  volume: 'vm-100-disk-0',
};
const QUERY: Record<string, Record<string, string>> = {
  'GET /nodes/{node}/rrddata': { timeframe: 'hour' },
  'GET /nodes/{node}/qemu/{vmid}/rrddata': { timeframe: 'hour' },
  'GET /nodes/{node}/lxc/{vmid}/rrddata': { timeframe: 'hour' },
  'GET /pools': { poolid: 'team' },
  'GET /nodes/{node}/qemu/{vmid}/cloudinit/dump': { type: 'user' },
};

describe('what the fake returns matches the PVE 9 schema `returns`', () => {
  let fake: PveFake;
  let upid = '';
  const label = (r: RouteDef) => `${r.method} ${r.path}`;
  const routes = createPveFake().routes.filter((r) => r.method === 'GET');

  beforeAll(async () => {
    fake = createPveFake({
      nodes: 2,
      pools: ['team'],
      guests: [
        {
          vmid: 100,
          node: 'pve1',
          status: 'running',
          pool: 'team',
          snapshots: ['s1'],
          config: { agent: '1' },
        },
        { vmid: 101, node: 'pve1', type: 'lxc', status: 'running', snapshots: ['s1'] },
        { vmid: 102, node: 'pve1', template: true },
        // VM 100 reboots in `beforeAll`; its agent would not answer for a while after.
        { vmid: 103, node: 'pve1', status: 'running', config: { agent: '1' } },
      ],
      taskDurationMs: 0,
    });
    const res = await fake.handle(
      new Request('https://pve.test:8006/api2/json/nodes/pve1/qemu/100/status/reboot', {
        method: 'POST',
        headers: { authorization: `PVEAPIToken=${fake.credentials.tokenId}=${fake.credentials.tokenSecret}` },
      }),
    );
    upid = ((await res.json()) as { data: string }).data;
    await fake.settleTasks();
  });

  it.each(routes.map((r) => [label(r), r] as const))('%s', async (name, r) => {
    const schema = schemaIndex().get(r.path)?.info?.GET?.returns;
    const values: Record<string, string> = {
      ...PATH_VALUES,
      vmid: r.path.includes('/lxc/') ? '101' : r.path.includes('/agent/') ? '103' : '100',
      upid: encodeURIComponent(upid),
    };
    const p = r.path.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? k);
    const query = new URLSearchParams(QUERY[name] ?? {});
    if (p.endsWith('/vncwebsocket')) {
      // The websocket takes the port and ticket of a console proxy opened before.
      const proxy = await fake.handle(
        new Request(`https://pve.test:8006/api2/json${p.replace(/vncwebsocket$/, 'vncproxy')}`, {
          method: 'POST',
          headers: {
            authorization: `PVEAPIToken=${fake.credentials.tokenId}=${fake.credentials.tokenSecret}`,
          },
        }),
      );
      const { data } = (await proxy.json()) as { data: { port: string; ticket: string } };
      query.set('port', data.port);
      query.set('vncticket', data.ticket);
    }
    const res = await fake.handle(
      new Request(`https://pve.test:8006/api2/json${p}${query.size ? `?${query}` : ''}`, {
        headers: { authorization: `PVEAPIToken=${fake.credentials.tokenId}=${fake.credentials.tokenSecret}` },
      }),
    );
    expect(res.status, `${name}: ${res.statusText}`).toBe(200);
    const problems: string[] = [];
    returnDiff(schema, ((await res.json()) as { data: unknown }).data, '', problems);
    expect(problems.filter((x) => !(QUIRKS[name] ?? []).includes(x))).toEqual([]);
  });
});
