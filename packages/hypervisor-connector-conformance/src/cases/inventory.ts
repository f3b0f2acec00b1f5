import {
  type CapabilityName,
  type HypervisorConnector,
  hasCapability,
  IMAGE_KINDS,
  type Image,
  iteratePages,
  NETWORK_KINDS,
  type Network,
  NodeNameSchema,
  type Page,
  type PageRequestInput,
  STORAGE_CONTENT_KINDS,
  type Storage,
} from '@hvc/hypervisor-connector';
import { expect } from 'vitest';
import type { CaseContext } from '../case-context.js';
import type { ConformanceCase } from '../conformance-case.js';
import { expectError, expectInvalidField, fail } from '../expect-error.js';

/** A list of the inventory, as the paging cases drive it. */
interface PagedList<T> {
  readonly name: 'listStorages' | 'listNetworks' | 'listImages';
  readonly capability: CapabilityName;
  list(connector: HypervisorConnector, query: PageRequestInput): Promise<Page<T>>;
  /** What the list is ordered and paged by. */
  key(item: T): string;
}

const storages: PagedList<Storage> = {
  name: 'listStorages',
  capability: 'inventory.storages',
  list: (c, q) => c.listStorages(q),
  key: (s) => s.id,
};
const networks: PagedList<Network> = {
  name: 'listNetworks',
  capability: 'inventory.networks',
  list: (c, q) => c.listNetworks(q),
  key: (n) => n.id,
};
const images: PagedList<Image> = {
  name: 'listImages',
  capability: 'inventory.images',
  list: (c, q) => c.listImages(q),
  // One volume id names a file on each node's local storage: such images are told apart by node.
  key: (i) => (i.node === undefined ? i.id : `${i.id}\u0000${i.node}`),
};

/** Every item of `query`, page after page of `pageSize`; checks each page's size on the way. */
async function all<T>(
  ctx: CaseContext,
  list: PagedList<T>,
  query: Record<string, unknown> = {},
  pageSize = 1000,
): Promise<T[]> {
  const items: T[] = [];
  let pages = 0;
  for await (const item of iteratePages(async (page) => {
    pages += 1;
    if (pages > 10_000) fail(`${list.name}() hands out page tokens without end`);
    const result = await list.list(ctx.connector, { ...query, ...page, pageSize });
    if (result.items.length > pageSize) fail(`${list.name}() returned more than pageSize ${pageSize} items`);
    if (result.nextPageToken !== undefined && result.items.length === 0) {
      fail(`${list.name}() returned an empty page with a next page token`);
    }
    return result;
  })) {
    items.push(item);
  }
  return items;
}

/** Checks `items` come in key order, each once. */
function expectOrdered<T>(list: PagedList<T>, items: readonly T[]): void {
  const keys = items.map((item) => list.key(item));
  expect(new Set(keys).size, `${list.name}() lists an item twice`).toBe(keys.length);
  expect(keys, `${list.name}() is ordered by id`).toEqual(
    [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** The first page token of `list` for `query`, or a skip when the list has a single page even at size 1. */
async function firstToken<T>(ctx: CaseContext, list: PagedList<T>, query: Record<string, unknown> = {}) {
  const page = await list.list(ctx.connector, { ...query, pageSize: 1 });
  return page.nextPageToken ?? ctx.skip(`${list.name}(${JSON.stringify(query)}) has fewer than two items`);
}

const ids = (items: readonly { id: string }[]) => items.map((i) => i.id);

/** listStorages(), listNetworks() and listImages(): shapes, filters, paging and bad queries. */
export const inventoryCases: readonly ConformanceCase[] = [
  {
    id: 'inventory.storages-shape',
    title: 'listStorages() returns well-formed storages in id order, each once, on known nodes',
    async run(ctx) {
      await ctx.requireCapability('inventory.storages');
      const nodes = await ctx.nodeNames();
      const listed = await all(ctx, storages);
      expectOrdered(storages, listed);
      for (const s of listed) {
        expect(s.id.length, 'storage id').toBeGreaterThan(0);
        expect(typeof s.type).toBe('string');
        expect(typeof s.shared).toBe('boolean');
        expect(typeof s.enabled).toBe('boolean');
        for (const kind of s.contentKinds) expect(STORAGE_CONTENT_KINDS).toContain(kind);
        expect(s.availability.length, `storage ${s.id} is on no node`).toBeGreaterThan(0);
        for (const a of s.availability) {
          expect(nodes, `storage ${s.id}'s node`).toContain(a.node);
          expect(typeof a.active).toBe('boolean');
          if (a.capacityBytes !== undefined && a.freeBytes !== undefined) {
            expect(a.freeBytes).toBeLessThanOrEqual(a.capacityBytes);
          }
        }
        if (!s.shared) expect(s.capacityBytes, `local storage ${s.id} has a total`).toBeUndefined();
        expect(typeof s.raw).toBe('object');
      }
    },
  },
  {
    id: 'inventory.storages-filter',
    title:
      'listStorages({ contentKinds, node }) returns exactly the storages holding all kinds and on that node',
    async run(ctx) {
      await ctx.requireCapability('inventory.storages');
      const listed = await all(ctx, storages);
      if (listed.length === 0) ctx.skip('the target lists no storage');
      for (const kind of STORAGE_CONTENT_KINDS) {
        const expected = ids(listed.filter((s) => s.contentKinds.includes(kind)));
        expect(ids(await all(ctx, storages, { contentKinds: [kind] })), `storages with ${kind}`).toEqual(
          expected,
        );
      }
      const both = ids(
        listed.filter((s) => s.contentKinds.includes('disk') && s.contentKinds.includes('iso')),
      );
      expect(ids(await all(ctx, storages, { contentKinds: ['disk', 'iso'] })), 'disk and iso').toEqual(both);
      for (const node of await ctx.nodeNames()) {
        const expected = ids(listed.filter((s) => s.availability.some((a) => a.node === node)));
        expect(ids(await all(ctx, storages, { node })), `storages on ${node}`).toEqual(expected);
      }
    },
  },
  {
    id: 'inventory.networks-shape',
    title: 'listNetworks() returns well-formed networks in id order, each once, on known nodes',
    async run(ctx) {
      await ctx.requireCapability('inventory.networks');
      const nodes = await ctx.nodeNames();
      const listed = await all(ctx, networks);
      expectOrdered(networks, listed);
      for (const n of listed) {
        expect(NETWORK_KINDS).toContain(n.kind);
        expect(typeof n.vlanAware).toBe('boolean');
        if (n.vlanTag !== undefined) expect(n.vlanTag).toBeGreaterThanOrEqual(1);
        for (const node of n.nodes) expect(nodes, `network ${n.id}'s node`).toContain(node);
        expect(typeof n.raw).toBe('object');
      }
    },
  },
  {
    id: 'inventory.networks-filter',
    title: 'listNetworks({ kinds, node }) returns exactly the networks of those kinds and on that node',
    async run(ctx) {
      await ctx.requireCapability('inventory.networks');
      const listed = await all(ctx, networks);
      if (listed.length === 0) ctx.skip('the target lists no network');
      for (const kind of NETWORK_KINDS) {
        const expected = ids(listed.filter((n) => n.kind === kind));
        expect(ids(await all(ctx, networks, { kinds: [kind] })), `${kind} networks`).toEqual(expected);
      }
      for (const node of await ctx.nodeNames()) {
        const expected = ids(listed.filter((n) => n.nodes.includes(node)));
        expect(ids(await all(ctx, networks, { node })), `networks on ${node}`).toEqual(expected);
      }
    },
  },
  {
    id: 'inventory.images-shape',
    title: 'listImages() returns well-formed images in id order, each once, templates among them',
    async run(ctx) {
      await ctx.requireCapability('inventory.images');
      const nodes = await ctx.nodeNames();
      const listed = await all(ctx, images);
      expectOrdered(images, listed);
      const storageIds = hasCapability(await ctx.capabilities(), 'inventory.storages')
        ? ids(await all(ctx, storages))
        : undefined;
      for (const image of listed) {
        expect(IMAGE_KINDS).toContain(image.kind);
        expect(image.name.length, `image ${image.id}'s name`).toBeGreaterThan(0);
        if (image.node !== undefined) expect(nodes, `image ${image.id}'s node`).toContain(image.node);
        if (image.kind === 'template') {
          expect(image.guestType, `template ${image.id}'s guest type`).toBeDefined();
        } else {
          expect(image.storage, `image ${image.id}'s storage`).toBeDefined();
          if (storageIds) expect(storageIds, `image ${image.id}'s storage`).toContain(image.storage);
        }
        expect(typeof image.raw).toBe('object');
      }
      const templates = (await ctx.connector.listGuests({ templates: true })).filter((g) => g.template);
      expect(
        ids(listed.filter((i) => i.kind === 'template')).sort(),
        'the templates listed as images',
      ).toEqual(ids(templates).sort());
    },
  },
  {
    id: 'inventory.images-filter',
    title: 'listImages({ kinds, storage, node, namePrefix }) returns exactly the images that match',
    async run(ctx) {
      await ctx.requireCapability('inventory.images');
      const listed = await all(ctx, images);
      if (listed.length === 0) ctx.skip('the target lists no image');
      const keys = (items: readonly Image[]) => items.map(images.key);
      for (const kind of IMAGE_KINDS) {
        const expected = keys(listed.filter((i) => i.kind === kind));
        expect(keys(await all(ctx, images, { kinds: [kind] })), `${kind} images`).toEqual(expected);
      }
      for (const storage of new Set(listed.flatMap((i) => (i.storage === undefined ? [] : [i.storage])))) {
        const expected = keys(listed.filter((i) => i.storage === storage));
        expect(keys(await all(ctx, images, { storage })), `images on ${storage}`).toEqual(expected);
      }
      for (const node of await ctx.nodeNames()) {
        const expected = keys(listed.filter((i) => i.node === undefined || i.node === node));
        expect(keys(await all(ctx, images, { node })), `images usable on ${node}`).toEqual(expected);
      }
      const prefix = listed[0]!.name.slice(0, 3);
      const expected = keys(listed.filter((i) => i.name.startsWith(prefix)));
      expect(keys(await all(ctx, images, { namePrefix: prefix })), `names starting ${prefix}`).toEqual(
        expected,
      );
    },
  },
  {
    id: 'inventory.paging',
    title: 'small pages of each inventory list give the whole list once, in order, then no token',
    async run(ctx) {
      const capabilities = await ctx.capabilities();
      let paged = 0;
      for (const list of [storages, networks, images] as PagedList<unknown>[]) {
        if (!hasCapability(capabilities, list.capability)) continue;
        const whole = (await all(ctx, list)).map(list.key);
        if (whole.length < 2) continue;
        paged += 1;
        for (const size of [1, 2]) {
          const pieces = (await all(ctx, list, {}, size)).map(list.key);
          expect(pieces, `${list.name}() in pages of ${size}`).toEqual(whole);
        }
        const last = await list.list(ctx.connector, { pageSize: whole.length });
        expect(last.nextPageToken, `${list.name}() with every item on one page`).toBeUndefined();
      }
      if (paged === 0) ctx.skip('no inventory list has two items');
    },
  },
  {
    id: 'inventory.page-token-foreign',
    title:
      'a page token of another query, of another list, or made up throws INVALID_ARGUMENT naming pageToken',
    async run(ctx) {
      await ctx.requireCapability('inventory.storages');
      const token = await firstToken(ctx, storages);
      await expectInvalidField(
        ctx.connector.listStorages({ contentKinds: ['disk'], pageToken: token }),
        'pageToken',
        'a token of listStorages() given to listStorages({ contentKinds })',
      );
      if (hasCapability(await ctx.capabilities(), 'inventory.networks')) {
        await expectInvalidField(
          ctx.connector.listNetworks({ pageToken: token }),
          'pageToken',
          'a token of listStorages() given to listNetworks()',
        );
      }
      await expectInvalidField(
        ctx.connector.listStorages({ pageToken: 'kit-made-up-token' }),
        'pageToken',
        'a made-up token',
      );
      const next = await ctx.connector.listStorages({ pageSize: 1, pageToken: token });
      expect(next.items.length, 'the page after the token').toBe(1);
    },
  },
  {
    id: 'inventory.invalid-query',
    title: 'inventory queries with a bad page size, kind or unknown field throw INVALID_ARGUMENT naming it',
    async run(ctx) {
      await ctx.requireCapability('inventory.storages');
      const c = ctx.connector;
      await expectInvalidField(c.listStorages({ pageSize: 0 }), 'pageSize', 'pageSize 0');
      await expectInvalidField(c.listStorages({ pageSize: 1001 }), 'pageSize', 'pageSize 1001');
      await expectInvalidField(c.listStorages({ pageSize: 1.5 }), 'pageSize', 'pageSize 1.5');
      const bad = (query: unknown) => query as Record<string, never>;
      await expectInvalidField(
        c.listStorages(bad({ contentKinds: ['floppy'] })),
        'contentKinds',
        'a content kind',
      );
      await expectInvalidField(c.listStorages(bad({ colour: 'red' })), 'colour', 'an unknown field');
      await expectInvalidField(c.listStorages({ node: 'not a node!' }), 'node', 'a bad node name');
      const capabilities = await ctx.capabilities();
      if (hasCapability(capabilities, 'inventory.networks')) {
        await expectInvalidField(c.listNetworks(bad({ kinds: ['wifi'] })), 'kinds', 'a network kind');
      }
      if (hasCapability(capabilities, 'inventory.images')) {
        await expectInvalidField(c.listImages(bad({ kinds: ['floppy'] })), 'kinds', 'an image kind');
        await expectInvalidField(c.listImages({ storage: '../etc' }), 'storage', 'a bad storage name');
      }
    },
  },
  {
    id: 'inventory.unknown-names',
    title: 'inventory queries naming an unknown node or storage throw NOT_FOUND',
    async run(ctx) {
      const capabilities = await ctx.capabilities();
      const node = 'kit-no-such-node';
      expect(NodeNameSchema.safeParse(node).success).toBe(true);
      const calls: [CapabilityName, string, () => Promise<unknown>][] = [
        ['inventory.storages', 'listStorages({ node })', () => ctx.connector.listStorages({ node })],
        ['inventory.networks', 'listNetworks({ node })', () => ctx.connector.listNetworks({ node })],
        ['inventory.images', 'listImages({ node })', () => ctx.connector.listImages({ node })],
        [
          'inventory.images',
          'listImages({ storage })',
          () => ctx.connector.listImages({ storage: 'kit-no-such-storage' }),
        ],
      ];
      const made = calls.filter(([name]) => hasCapability(capabilities, name));
      if (made.length === 0) ctx.skip('the connector reports no inventory capability');
      for (const [, what, call] of made) await expectError(call(), 'NOT_FOUND', what);
    },
  },
];
