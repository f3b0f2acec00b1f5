import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonArrayEnvelopeParser } from '../src/http/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The parser PVE answers go through, with its production sizes. */
const parseData = jsonArrayEnvelopeParser('data');
/** The same parser cutting runs of ≈ 40 bytes from any body: every element boundary is a candidate cut. */
const parseSmallRuns = jsonArrayEnvelopeParser('data', { wholeBelowBytes: 0, runBytes: 40 });
/** The same parser cutting at every element boundary. */
const parseEachElement = jsonArrayEnvelopeParser('data', { wholeBelowBytes: 0, runBytes: 1 });

/** What `JSON.parse` of the bytes' UTF-8 text gives: the value, or the error's class and message. */
function reference(bytes: Buffer): unknown {
  try {
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch (error) {
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

function outcome(parse: (bytes: Buffer) => unknown, bytes: Buffer): unknown {
  try {
    return { value: parse(bytes) };
  } catch (error) {
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

/** A PVE-like listing of `count` guests, as PVE writes it (compact JSON). */
function listing(count: number, name: (i: number) => string = (i) => `vm-${i}`): Buffer {
  const data = Array.from({ length: count }, (_, i) => ({
    id: `qemu/${100 + i}`,
    type: 'qemu',
    node: `pve${i % 32}`,
    vmid: 100 + i,
    name: name(i),
    status: i % 3 ? 'running' : 'stopped',
    cpu: i / 7,
    maxmem: 2 ** 31,
    tags: 'prod;team-a',
  }));
  return Buffer.from(JSON.stringify({ data }));
}

/** Every call to `JSON.parse` `run` makes, by the length of its text. */
function parseCalls(run: () => unknown): number[] {
  const lengths: number[] = [];
  const parse = JSON.parse;
  vi.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    lengths.push(text.length);
    return parse(text, reviver);
  });
  run();
  vi.restoreAllMocks();
  return lengths;
}

describe('a JSON array envelope parsed in runs', () => {
  it('gives the same value as JSON.parse for a 5,000-guest listing, from runs of at most ≈ 48 KiB', () => {
    const bytes = listing(5_000);
    expect(bytes.byteLength).toBeGreaterThan(500_000);
    let value: unknown;
    const lengths = parseCalls(() => {
      value = parseData(bytes);
    });
    expect(value).toEqual(JSON.parse(bytes.toString('utf8')));
    // No string of the whole body: a run per ≈ 48 KiB, each well under a regular heap page.
    expect(lengths.length).toBeGreaterThan(10);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(48 * 1024 + 2);
  });

  it('parses a body under 64 KiB as one string', () => {
    const bytes = listing(100);
    expect(bytes.byteLength).toBeLessThan(64 * 1024);
    expect(parseCalls(() => parseData(bytes))).toEqual([bytes.byteLength]);
  });

  it('keeps characters whole whatever their width, near every cut', () => {
    const bytes = listing(3_000, (i) => (i % 2 ? `сервер-€-🖥-${i}` : `vm-${i}"},{"x":"y`));
    expect(parseData(bytes)).toEqual(JSON.parse(bytes.toString('utf8')));
    expect(parseSmallRuns(bytes)).toEqual(JSON.parse(bytes.toString('utf8')));
  });

  it('is not fooled by `},` inside strings or nested values', () => {
    const data = [
      { name: '},{', note: 'a},"b":{"c":1},' },
      { nested: { a: { b: 1 }, c: [{ d: 2 }, { e: 3 }] }, list: [{ x: '},' }, {}] },
      { escaped: '\\"},{\\"', quote: '"},' },
      {},
      { last: true },
    ];
    const bytes = Buffer.from(JSON.stringify({ data }));
    expect(parseSmallRuns(bytes)).toEqual({ data });
  });

  it('parses an element longer than a run in a run of its own', () => {
    const data = [{ a: 1 }, { big: 'x'.repeat(500) }, { b: 2 }, { c: 'y'.repeat(300) }];
    const bytes = Buffer.from(JSON.stringify({ data }));
    expect(parseSmallRuns(bytes)).toEqual({ data });
  });

  it('gives JSON.parse its way for every other shape, and its own error for a body that is not JSON', () => {
    const bodies = [
      '{"data":[]}',
      '{"data":[ ]}\n',
      '{"data":[{"a":1},{"b":2}]}  \r\n',
      ' {"data":[{"a":1},{"b":2}]}',
      '{ "data":[{"a":1},{"b":2}]}',
      '{"data":[{"a":1},{"b":2}],"total":2}',
      '{"total":2,"data":[{"a":1},{"b":2}]}',
      '{"data":[{"a":1}],"data":[{"b":2}]}',
      '{"data":[1,2,3]}',
      '{"data":[[{"a":1},{"b":2}],[{"c":3}]]}',
      '{"data":[{"a":1},{"b":2},]}',
      '{"data":[{"a":1},,{"b":2}]}',
      '{"data":[{"a":1},{"b":2}',
      '{"data":[{"a":1},{"b":2}]}}',
      '{"data":[{"a":1},{"b":2}]',
      '{"data":[{"a":1},{"b":"},{"]}',
      '{"data":{"a":1}}',
      '{"data":null}',
      '{"data":[}',
      '{"data":[]]}',
      '{"dat":[{"a":1}]}',
      '[{"a":1},{"b":2}]',
      'not json',
      '',
    ];
    for (const body of bodies) {
      const bytes = Buffer.from(body);
      expect(outcome(parseSmallRuns, bytes), body).toEqual(reference(bytes));
      expect(outcome(parseEachElement, bytes), body).toEqual(reference(bytes));
      expect(outcome(parseData, bytes), body).toEqual(reference(bytes));
    }
  });

  it('keeps a `__proto__` member and elements as JSON.parse does: own properties, no prototype change', () => {
    const body = Buffer.from('{"data":[{"__proto__":{"polluted":1}},{"a":1}]}');
    const value = parseSmallRuns(body) as { data: Array<Record<string, unknown>> };
    expect(value).toEqual(JSON.parse(body.toString('utf8')));
    expect(Object.getPrototypeOf(value.data[0])).toBe(Object.prototype);
    expect(Object.hasOwn(value.data[0] as object, '__proto__')).toBe(true);
    const envelope = jsonArrayEnvelopeParser('__proto__', { wholeBelowBytes: 0, runBytes: 8 });
    const own = envelope(Buffer.from('{"__proto__":[{"a":1},{"b":2}]}')) as object;
    expect(Object.getPrototypeOf(own)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(own, '__proto__')?.value).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('gives JSON.parse value or error for any JSON-like body, cut anywhere', () => {
    const runBytes = fc.integer({ min: 1, max: 64 });
    const element = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.constantFrom('},', '},{', '"},{"'),
    );
    const body = fc.oneof(
      fc.array(element).map((data) => JSON.stringify({ data })),
      // Bodies damaged at one place: a byte dropped, doubled or replaced.
      fc
        .tuple(
          fc.array(element, { minLength: 1 }),
          fc.nat(),
          fc.constantFrom('drop', 'double', ',', ']', '}', '"'),
        )
        .map(([data, at, how]) => {
          const text = JSON.stringify({ data });
          const i = at % text.length;
          if (how === 'drop') return text.slice(0, i) + text.slice(i + 1);
          if (how === 'double') return text.slice(0, i + 1) + text.slice(i);
          return text.slice(0, i) + how + text.slice(i + 1);
        }),
    );
    fc.assert(
      fc.property(body, runBytes, (text, run) => {
        const bytes = Buffer.from(text);
        const parse = jsonArrayEnvelopeParser('data', { wholeBelowBytes: 0, runBytes: run });
        expect(outcome(parse, bytes)).toEqual(reference(bytes));
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses a member name it cannot write as is, and a run of no bytes', () => {
    expect(() => jsonArrayEnvelopeParser('da"ta')).toThrow(TypeError);
    expect(() => jsonArrayEnvelopeParser('')).toThrow(TypeError);
    expect(() => jsonArrayEnvelopeParser('data', { wholeBelowBytes: 0, runBytes: 0 })).toThrow(RangeError);
  });
});
