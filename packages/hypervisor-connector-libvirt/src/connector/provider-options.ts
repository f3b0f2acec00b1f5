import { type ProviderOptions, parseInput } from '@hvc/hypervisor-connector';
import type { ProviderOptionsSchemas } from '@hvc/hypervisor-connector-kit';
import { z } from 'zod';

const AbsolutePath = z
  .string()
  .max(4096)
  .regex(/^\/[^\0]*$/, 'not an absolute path');

/**
 * `providerOptions.libvirt` of `createGuest`: how the new domain boots and runs where the contract's spec says
 * nothing. Paths are paths on the host.
 */
export const LibvirtCreateOptionsSchema = z.strictObject({
  /** Direct kernel boot: the kernel image (`<os><kernel>`), its initramfs and command line. */
  kernel: AbsolutePath.optional(),
  initrd: AbsolutePath.optional(),
  cmdline: z.string().max(4096).optional(),
  /** Define the guest as a template (never started; linked clones are made from templates). */
  template: z.boolean().optional(),
  /** Log the serial console to this file (truncated at each start). */
  serialLog: AbsolutePath.optional(),
  /** Override the target's guest defaults for this guest. */
  domainType: z
    .string()
    .regex(/^[a-z][a-z0-9]*$/)
    .optional(),
  arch: z
    .string()
    .regex(/^[a-z0-9_]+$/)
    .optional(),
  machine: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .optional(),
  emulator: AbsolutePath.optional(),
});

/** Parsed `providerOptions.libvirt` of `createGuest`. */
export type LibvirtCreateOptions = z.output<typeof LibvirtCreateOptionsSchema>;

/** `providerOptions.libvirt` of `updateGuest`. */
export const LibvirtUpdateOptionsSchema = z.strictObject({
  /** Mark a shut off guest as a template, or a template as an ordinary guest again. */
  template: z.boolean().optional(),
});

/** Parsed `providerOptions.libvirt` of `updateGuest`. */
export type LibvirtUpdateOptions = z.output<typeof LibvirtUpdateOptionsSchema>;

/** `providerOptions.libvirt` of `migrateGuest`. */
export const LibvirtMigrateOptionsSchema = z.strictObject({
  /**
   * Copy the disks to the destination during a live migration (`VIR_MIGRATE_NON_SHARED_DISK`): for disks outside
   * the shared pool. The destination needs volumes of the same paths and sizes.
   */
  storageCopy: z.boolean().optional(),
  /**
   * Migrate although libvirt does not trust the storage to be shared (`VIR_MIGRATE_UNSAFE`). Set by default for
   * guests whose disks are all in the target's shared pool.
   */
  unsafe: z.boolean().optional(),
  /** Cap the migration's bandwidth, MiB/s. */
  bandwidthMiBps: z.number().int().min(1).max(1_000_000).optional(),
});

/** Parsed `providerOptions.libvirt` of `migrateGuest`. */
export type LibvirtMigrateOptions = z.output<typeof LibvirtMigrateOptionsSchema>;

/**
 * The options of `providerOptions.libvirt` per method, which `defineConnector` checks before a call runs: a
 * misspelled key is INVALID_ARGUMENT naming it, and `cloneGuest` takes none.
 */
export const LIBVIRT_PROVIDER_OPTIONS: ProviderOptionsSchemas = {
  createGuest: LibvirtCreateOptionsSchema,
  updateGuest: LibvirtUpdateOptionsSchema,
  migrateGuest: LibvirtMigrateOptionsSchema,
};

/**
 * Validates `providerOptions.libvirt` with `schema` (INVALID_ARGUMENT naming `providerOptions.libvirt.<field>`);
 * other connectors' namespaces are theirs and left alone.
 */
export function libvirtOptions<S extends z.ZodType<Record<string, unknown>>>(
  schema: S,
  providerOptions: ProviderOptions | undefined,
  what: string,
): z.output<S> {
  const wrapper = z.object({ providerOptions: z.looseObject({ libvirt: schema.optional() }).optional() });
  const parsed = parseInput(wrapper, { providerOptions }, what);
  return (parsed.providerOptions?.libvirt ?? {}) as z.output<S>;
}
