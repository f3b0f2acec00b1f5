import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapPveFailure } from '../src/errors/pve-error-mapping.js';
import { PveErrorBodySchema } from '../src/schemas/envelope.js';
import { PVE_RESPONSE_SCHEMAS, type PveEndpoint } from './support/pve-response-schemas.js';

// The project's recorded PVE responses, `../shared/pve/samples` beside the repository (CI clones it there). Missing →
// the tests fail, never skip.
const SAMPLES = join(import.meta.dirname, '../../..', '../shared/pve/samples');

interface IndexEntry {
  readonly request: string;
  readonly status: string;
  readonly file: string;
}

const index = JSON.parse(readFileSync(join(SAMPLES, '_INDEX.json'), 'utf8')) as IndexEntry[];

/** The endpoint key of a recorded request line (`GET /api2/json/nodes/pve/qemu?x=1`). */
function endpointOf(request: string): PveEndpoint {
  const [method, url] = request.split(' ') as [string, string];
  const path = url.replace(/^\/api2\/json/, '').split('?')[0] as string;
  for (const key of Object.keys(PVE_RESPONSE_SCHEMAS) as PveEndpoint[]) {
    const [keyMethod, template] = key.split(' ') as [string, string];
    const pattern = template
      .split('/')
      .map((segment) => (segment === '{type}' ? '(qemu|lxc)' : segment.startsWith('{') ? '[^/]+' : segment))
      .join('/');
    if (keyMethod === method && new RegExp(`^${pattern}$`).test(path)) return key;
  }
  throw new Error(`no response schema for ${request}`);
}

const sample = (file: string) =>
  JSON.parse(readFileSync(join(SAMPLES, file), 'utf8')) as Record<string, unknown>;

describe('PVE response schemas against the recorded samples', () => {
  it('covers every sample file', () => {
    const files = readdirSync(SAMPLES).filter((file) => file.endsWith('.json') && !file.startsWith('_'));
    expect(new Set(index.map((entry) => entry.file))).toEqual(new Set([...files, '_http-errors.pve6.json']));
  });

  for (const entry of index.filter((e) => e.status.startsWith('200'))) {
    it(`parses ${entry.file} (${entry.request.split('?')[0]})`, () => {
      const schema = PVE_RESPONSE_SCHEMAS[endpointOf(entry.request)];
      const result = schema.safeParse(sample(entry.file).data);
      expect(result.error?.issues ?? []).toEqual([]);
    });
  }

  for (const entry of index.filter((e) => /^[45]\d\d /.test(e.status))) {
    it(`maps the error ${entry.file}`, () => {
      const status = Number(entry.status.slice(0, 3));
      const reason = entry.status.slice(4);
      const body = PveErrorBodySchema.parse(sample(entry.file));
      const [method, url] = entry.request.split(' ') as [string, string];
      const error = mapPveFailure({ status, reason, body, method, path: url });
      expect(error.message).toContain(body.errors ? Object.values(body.errors)[0]?.trim() : reason);
      expect(error.code).not.toBe('INTERNAL');
    });
  }

  it('parses the number-as-string quirks', () => {
    expect(PVE_RESPONSE_SCHEMAS['GET /cluster/nextid'].parse(sample('cluster-nextid.pve7.json').data)).toBe(
      101,
    );
    const [ct] = PVE_RESPONSE_SCHEMAS['GET /nodes/{node}/{type}'].parse(sample('lxc-list.pve6.json').data);
    expect(ct).toMatchObject({ vmid: 100, template: undefined, lock: undefined });
    const running = PVE_RESPONSE_SCHEMAS['GET /nodes/{node}/{type}/{vmid}/status/current'].parse(
      sample('lxc-status-current-running.pve6.json').data,
    );
    expect(running).toMatchObject({ vmid: 100, pid: 3578, maxdisk: 1031540736, disk: 11665408 });
    const vnc = PVE_RESPONSE_SCHEMAS['POST /nodes/{node}/{type}/{vmid}/vncproxy'].parse(
      sample('qemu-vncproxy.pve6.json').data,
    );
    expect(vnc.port).toBe(5900);
    const [vm] = PVE_RESPONSE_SCHEMAS['GET /nodes/{node}/{type}'].parse(sample('qemu-list.pve6.json').data);
    expect(vm).toMatchObject({ vmid: 100, pid: undefined });
  });

  it('maps every recorded HTTP error to a contract code', () => {
    const { errors } = sample('_http-errors.pve6.json') as {
      errors: { request: string; status: number; reason: string; body: unknown }[];
    };
    const codes = errors.map((e) => {
      const [method, url] = e.request.split(' ') as [string, string];
      const body = e.body === null ? undefined : PveErrorBodySchema.parse(e.body);
      return mapPveFailure({ status: e.status, reason: e.reason, body, method, path: url }).code;
    });
    expect(codes).toEqual([
      'INVALID_ARGUMENT',
      'ALREADY_EXISTS',
      'NOT_FOUND',
      'ALREADY_EXISTS',
      'NOT_FOUND',
      'NOT_FOUND',
      'ALREADY_EXISTS',
      'NOT_FOUND',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'ALREADY_EXISTS',
      'ALREADY_EXISTS',
      'ALREADY_EXISTS',
      'ALREADY_EXISTS',
      'ALREADY_EXISTS',
      'ALREADY_EXISTS',
      'ALREADY_EXISTS',
    ]);
  });
});
