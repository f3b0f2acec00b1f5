import { z } from 'zod';
import { IMAGE_KINDS } from '../model/image.js';
import { NETWORK_KINDS } from '../model/network.js';
import { STORAGE_CONTENT_KINDS } from '../model/storage.js';
import { NodeNameSchema, ResourceNameSchema } from './identifiers.js';
import { PageRequestSchema } from './paging.js';

/** Asks a page of `listStorages`, ordered by id. Every present field must match. */
export const StorageQuerySchema = PageRequestSchema.extend({
  /** Storages available on this node. */
  node: NodeNameSchema.optional(),
  /** Storages that can hold all of these. */
  contentKinds: z.array(z.enum(STORAGE_CONTENT_KINDS)).max(STORAGE_CONTENT_KINDS.length).optional(),
});
/** A validated storage query. */
export type StorageQuery = z.output<typeof StorageQuerySchema>;
/** A storage query as callers write it. */
export type StorageQueryInput = z.input<typeof StorageQuerySchema>;

/** Asks a page of `listNetworks`, ordered by id. Every present field must match. */
export const NetworkQuerySchema = PageRequestSchema.extend({
  /** Networks that exist on this node. */
  node: NodeNameSchema.optional(),
  /** Networks of any of these kinds. */
  kinds: z.array(z.enum(NETWORK_KINDS)).max(NETWORK_KINDS.length).optional(),
});
/** A validated network query. */
export type NetworkQuery = z.output<typeof NetworkQuerySchema>;
/** A network query as callers write it. */
export type NetworkQueryInput = z.input<typeof NetworkQuerySchema>;

/** Asks a page of `listImages`, ordered by id. Every present field must match. */
export const ImageQuerySchema = PageRequestSchema.extend({
  /** Images of any of these kinds. */
  kinds: z.array(z.enum(IMAGE_KINDS)).max(IMAGE_KINDS.length).optional(),
  /** Images on this storage (templates have none, so they are left out). NOT_FOUND for an unknown storage. */
  storage: ResourceNameSchema.optional(),
  /** Images usable on this node: on shared storage, or on local storage or a template of this node. */
  node: NodeNameSchema.optional(),
  /** Images whose name starts with this. */
  namePrefix: z.string().max(128).optional(),
});
/** A validated image query. */
export type ImageQuery = z.output<typeof ImageQuerySchema>;
/** An image query as callers write it. */
export type ImageQueryInput = z.input<typeof ImageQuerySchema>;
