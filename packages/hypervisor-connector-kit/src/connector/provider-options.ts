import { type ProviderOptions, parseInput } from '@hvc/hypervisor-connector';
import { z } from 'zod';

/** The connector methods whose input carries `providerOptions`. */
export type ProviderOptionsMethod = 'createGuest' | 'cloneGuest' | 'updateGuest' | 'migrateGuest';

/**
 * A connector's schema of its own `providerOptions` namespace (`providerOptions.<kind>`), per method that takes
 * options. A method not listed takes none: any key under the connector's kind is INVALID_ARGUMENT. Schemas should
 * refuse unknown keys (`z.strictObject`, or a refinement naming the key in its issue path), so a misspelled option
 * is an error, never silently dropped.
 */
export type ProviderOptionsSchemas = Readonly<
  Partial<Record<ProviderOptionsMethod, z.ZodType<Readonly<Record<string, unknown>>>>>
>;

const NO_OPTIONS = z.strictObject({});

/**
 * `input` parsed with the contract's `schema`, then its `providerOptions.<kind>` checked with
 * {@link checkProviderOptions}.
 */
export function parseWithProviderOptions<
  S extends z.ZodType<{ providerOptions?: ProviderOptions | undefined }>,
>(
  schema: S,
  input: unknown,
  what: string,
  own: { readonly kind: string; readonly providerOptions?: ProviderOptionsSchemas | undefined },
  method: ProviderOptionsMethod,
): z.output<S> {
  const parsed = parseInput(schema, input, what);
  checkProviderOptions(own.kind, own.providerOptions, method, parsed.providerOptions, what);
  return parsed;
}

/**
 * Checks `providerOptions[kind]` with the connector's schema for `method` (INVALID_ARGUMENT naming
 * `providerOptions.<kind>.<key>`). Other kinds' namespaces are left alone: a spec may carry options for several
 * kinds of connector, and each takes its own.
 */
export function checkProviderOptions(
  kind: string,
  schemas: ProviderOptionsSchemas | undefined,
  method: ProviderOptionsMethod,
  providerOptions: ProviderOptions | undefined,
  what: string,
): void {
  const own = providerOptions?.[kind];
  if (own === undefined) return;
  const schema = schemas?.[method] ?? NO_OPTIONS;
  parseInput(
    z.object({ providerOptions: z.object({ [kind]: schema }) }),
    { providerOptions: { [kind]: own } },
    what,
  );
}
