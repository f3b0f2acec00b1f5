import { describe, expect, it } from 'vitest';
import {
  type Capabilities,
  FULL_CAPABILITIES,
  hasCapability,
  ImageQuerySchema,
  iteratePages,
  NetworkQuerySchema,
  type Page,
  PageRequestSchema,
  StorageQuerySchema,
} from '../src/index.js';

describe('inventory queries', () => {
  it('default the page size to 100 and keep the filters', () => {
    expect(StorageQuerySchema.parse({})).toEqual({ pageSize: 100 });
    expect(StorageQuerySchema.parse({ node: 'pve1', contentKinds: ['iso'] })).toEqual({
      pageSize: 100,
      node: 'pve1',
      contentKinds: ['iso'],
    });
    expect(NetworkQuerySchema.parse({ kinds: ['vnet'], pageSize: 5 })).toEqual({
      kinds: ['vnet'],
      pageSize: 5,
    });
    expect(ImageQuerySchema.parse({ storage: 'local', namePrefix: 'deb' }).storage).toBe('local');
  });

  it.each([
    ['page size 0', PageRequestSchema, { pageSize: 0 }, 'pageSize'],
    ['page size 1001', PageRequestSchema, { pageSize: 1001 }, 'pageSize'],
    ['an empty token', PageRequestSchema, { pageToken: '' }, 'pageToken'],
    ['a token too long', PageRequestSchema, { pageToken: 'x'.repeat(1025) }, 'pageToken'],
    ['an unknown content kind', StorageQuerySchema, { contentKinds: ['floppy'] }, 'contentKinds.0'],
    ['a bad node name', StorageQuerySchema, { node: 'no such node' }, 'node'],
    ['an unknown field', StorageQuerySchema, { colour: 'red' }, ''],
    ['an unknown network kind', NetworkQuerySchema, { kinds: ['wifi'] }, 'kinds.0'],
    ['an unknown image kind', ImageQuerySchema, { kinds: ['floppy'] }, 'kinds.0'],
    ['a bad storage name', ImageQuerySchema, { storage: '../etc' }, 'storage'],
    ['a name prefix too long', ImageQuerySchema, { namePrefix: 'x'.repeat(129) }, 'namePrefix'],
  ] as const)('refuse %s', (_label, schema, input, field) => {
    const result = schema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});

describe('iteratePages', () => {
  it('yields every item of every page, passing each next token, and stops at a page without one', async () => {
    const pages: Record<string, Page<number>> = {
      first: { items: [1, 2], nextPageToken: 'b' },
      b: { items: [3], nextPageToken: 'c' },
      c: { items: [4] },
    };
    const asked: (string | undefined)[] = [];
    const seen: number[] = [];
    for await (const item of iteratePages(async ({ pageToken }) => {
      asked.push(pageToken);
      return pages[pageToken ?? 'first']!;
    })) {
      seen.push(item);
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(asked).toEqual([undefined, 'b', 'c']);
  });

  it('throws the error of a page', async () => {
    const iterate = async () => {
      for await (const _ of iteratePages<number>(async ({ pageToken }) => {
        if (pageToken) throw new Error('page 2 failed');
        return { items: [1], nextPageToken: 'next' };
      })) {
        // drain
      }
    };
    await expect(iterate()).rejects.toThrow('page 2 failed');
  });
});

describe('the inventory capabilities', () => {
  it('are missing when the group is absent, as in a connector written before it', () => {
    const { inventory: _, ...older } = FULL_CAPABILITIES;
    expect(hasCapability(older as Capabilities, 'inventory.storages')).toBe(false);
    expect(hasCapability(FULL_CAPABILITIES, 'inventory.images')).toBe(true);
    const some: Capabilities = {
      ...FULL_CAPABILITIES,
      inventory: { storages: true, networks: false, images: true },
    };
    expect(hasCapability(some, 'inventory.networks')).toBe(false);
    expect(hasCapability(some, 'inventory.storages', 'container')).toBe(true);
  });
});
