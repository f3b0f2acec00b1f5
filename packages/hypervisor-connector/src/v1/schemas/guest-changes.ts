import { z } from 'zod';
import { MAX_MEMORY_MIB } from './guest-spec.js';
import {
  GuestNameSchema,
  NodeNameSchema,
  ProviderOptionsSchema,
  ResourceNameSchema,
  SnapshotNameSchema,
  TagSchema,
} from './identifiers.js';

/** How to clone a guest. */
export const CloneSpecSchema = z.strictObject({
  /** The clone's name; derived from the source's when absent. */
  name: GuestNameSchema.optional(),
  /** The node to put the clone on; the source's node when absent. */
  targetNode: NodeNameSchema.optional(),
  /** `full` copies every disk; `linked` shares the source's (the source must be a template). */
  mode: z.enum(['full', 'linked']).default('full'),
  /** Clone from this snapshot of the source instead of its current state. */
  snapshot: SnapshotNameSchema.optional(),
  pool: ResourceNameSchema.optional(),
  /** Storage for a full clone's disks. */
  storage: ResourceNameSchema.optional(),
  description: z.string().max(8192).optional(),
  providerOptions: ProviderOptionsSchema.optional(),
});

/** A validated clone spec. */
export type CloneSpec = z.output<typeof CloneSpecSchema>;
/** A clone spec as callers write it. */
export type CloneSpecInput = z.input<typeof CloneSpecSchema>;

/**
 * A change to a guest's configuration. At least one field must be present. `ifMatch` makes the change conditional
 * on the configuration's current version (a digest from `guest.raw`), so concurrent edits do not overwrite each other.
 */
export const GuestPatchSchema = z
  .strictObject({
    name: GuestNameSchema.optional(),
    cpus: z.number().int().min(1).max(1024).optional(),
    memoryMiB: z.number().int().min(16).max(MAX_MEMORY_MIB).optional(),
    description: z.string().max(8192).optional(),
    tags: z.array(TagSchema).max(64).optional(),
    ifMatch: z.string().min(1).max(128).optional(),
    providerOptions: ProviderOptionsSchema.optional(),
  })
  .refine(
    (patch) => Object.entries(patch).some(([key, value]) => key !== 'ifMatch' && value !== undefined),
    'a patch changes at least one field',
  );

/** A validated guest patch. */
export type GuestPatch = z.output<typeof GuestPatchSchema>;

/** Where to move a guest. */
export const MigrateSpecSchema = z.strictObject({
  targetNode: NodeNameSchema,
  /** Live migration of a running guest. Defaults to live when the guest runs and the connector can. */
  online: z.boolean().optional(),
  providerOptions: ProviderOptionsSchema.optional(),
});

/** A validated migration spec. */
export type MigrateSpec = z.output<typeof MigrateSpecSchema>;

/** A new snapshot. */
export const SnapshotSpecSchema = z.strictObject({
  name: SnapshotNameSchema,
  description: z.string().max(8192).optional(),
  /** Include the running guest's memory (VMs). */
  includeMemory: z.boolean().default(false),
});

/** A validated snapshot spec. */
export type SnapshotSpec = z.output<typeof SnapshotSpecSchema>;
/** A snapshot spec as callers write it. */
export type SnapshotSpecInput = z.input<typeof SnapshotSpecSchema>;
