import { type PageRequest, StorageQuerySchema } from '@hvc/hypervisor-connector';
import { describe, expect, it } from 'vitest';
import { imagePageKey, ipv4Subnet, pageOf } from '../src/index.js';

const item = (id: string) => ({ id });

/** What `fn` throws; returning fails the test. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
const idOf = (i: { id: string }) => i.id;
const query = (q: object = {}): PageRequest => StorageQuerySchema.parse(q);

/** Every id of the list, page by page, with `between` run before each next page. */
function walk(items: { id: string }[], size: number, between: (page: number) => void = () => {}): string[] {
  const seen: string[] = [];
  let token: string | undefined;
  let page = 0;
  do {
    const result = pageOf(
      'storages',
      items,
      query({ pageSize: size, ...(token ? { pageToken: token } : {}) }),
      idOf,
    );
    seen.push(...result.items.map(idOf));
    token = result.nextPageToken;
    between(++page);
  } while (token !== undefined);
  return seen;
}

describe('pageOf', () => {
  it('orders by id in code-unit order and pages without skip or repeat', () => {
    const items = ['b', 'a', 'C', 'c-1', 'c', 'a.b'].map(item);
    const sorted = ['C', 'a', 'a.b', 'b', 'c', 'c-1'];
    for (const size of [1, 2, 4, 6, 100]) expect(walk(items, size), `pages of ${size}`).toEqual(sorted);
    expect(pageOf('storages', items, query({ pageSize: 6 }), idOf).nextPageToken).toBeUndefined();
    expect(pageOf('storages', items, query({ pageSize: 5 }), idOf).nextPageToken).toBeDefined();
    expect(pageOf('storages', [], query(), idOf)).toEqual({ items: [] });
  });

  it('neither skips nor repeats items that stay when others are added or removed between pages', () => {
    const items = ['a', 'c', 'e', 'g'].map(item);
    const seen = walk(items, 1, (page) => {
      if (page === 1) items.splice(0, 1); // the item already handed out goes
      if (page === 2) items.push(item('b'), item('f')); // one before the cursor, one after
      if (page === 3)
        items.splice(
          items.findIndex((i) => i.id === 'g'),
          1,
        ); // one not yet handed out goes
    });
    expect(seen).toEqual(['a', 'c', 'e', 'f']);
  });

  it('lets the page size change between pages', () => {
    const items = ['a', 'b', 'c', 'd'].map(item);
    const first = pageOf('storages', items, query({ pageSize: 1 }), idOf);
    const rest = pageOf('storages', items, query({ pageSize: 10, pageToken: first.nextPageToken }), idOf);
    expect(rest.items.map(idOf)).toEqual(['b', 'c', 'd']);
  });

  it('refuses with INVALID_ARGUMENT naming pageToken a token of another query, another list, or none of ours', () => {
    const items = ['a', 'b', 'c'].map(item);
    const token = pageOf('storages', items, query({ pageSize: 1, node: 'n1' }), idOf).nextPageToken!;
    const refuse = (list: string, q: object) => thrown(() => pageOf(list, items, query(q), idOf));
    for (const [list, q] of [
      ['storages', { pageToken: token }],
      ['storages', { pageToken: token, node: 'n2' }],
      ['storages', { pageToken: token, node: 'n1', contentKinds: ['iso'] }],
      ['networks', { pageToken: token, node: 'n1' }],
      ['storages', { pageToken: 'not-a-token' }],
      ['storages', { pageToken: '!!' }],
      ['storages', { pageToken: btoa('[2,"x","a"]').replace(/=+$/, '') }],
    ] as const) {
      expect(refuse(list, q), `${list} ${JSON.stringify(q)}`).toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: { violations: [{ field: 'pageToken' }] },
      });
    }
    expect(pageOf('storages', items, query({ pageToken: token, node: 'n1' }), idOf).items.map(idOf)).toEqual([
      'b',
      'c',
    ]);
  });

  it('binds a token to the query whatever the order its fields were written in', () => {
    const items = ['a', 'b'].map(item);
    const token = pageOf('s', items, { pageSize: 1, node: 'n1', contentKinds: ['iso'] } as PageRequest, idOf)
      .nextPageToken!;
    const again = { contentKinds: ['iso'], pageToken: token, node: 'n1', pageSize: 1 } as PageRequest;
    expect(pageOf('s', items, again, idOf).items.map(idOf)).toEqual(['b']);
  });

  it('keys images by id, then node', () => {
    const image = { kind: 'iso', name: 'x.iso', raw: {} } as const;
    const keys = [
      { ...image, id: 'local:iso/x.iso', node: 'n2' },
      { ...image, id: 'local:iso/x.iso', node: 'n1' },
      { ...image, id: 'local:iso/x.isp' },
    ].map(imagePageKey);
    expect([...keys].sort()).toEqual([keys[1], keys[0], keys[2]]);
    expect(new Set(keys).size).toBe(3);
  });
});

describe('ipv4Subnet', () => {
  it('computes the subnet of a host address, and nothing for what is not IPv4 with a prefix', () => {
    expect(ipv4Subnet('10.0.0.11/24')).toBe('10.0.0.0/24');
    expect(ipv4Subnet('192.168.7.200/26')).toBe('192.168.7.192/26');
    expect(ipv4Subnet('10.1.2.3/0')).toBe('0.0.0.0/0');
    expect(ipv4Subnet('10.1.2.3/32')).toBe('10.1.2.3/32');
    expect(ipv4Subnet('10.1.2.3/33')).toBeUndefined();
    expect(ipv4Subnet('10.1.2.300/24')).toBeUndefined();
    expect(ipv4Subnet('fd00::1/64')).toBeUndefined();
  });
});
