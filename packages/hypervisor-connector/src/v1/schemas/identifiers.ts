import { z } from 'zod';

/**
 * A guest id as connectors hand them out: `kind/number` or similar, at most 256 characters of a safe alphabet
 * (letters, digits, `.`, `_`, `:`, `-`, and `/` between segments), never a `..` segment.
 */
export const GuestIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9_:-][A-Za-z0-9._:-]*(\/[A-Za-z0-9_:-][A-Za-z0-9._:-]*)*$/, 'not a valid guest id')
  .refine((id) => !id.split('/').includes('..'), 'a guest id has no ".." segment');

/** An operation id: opaque to callers, at most 512 printable ASCII characters without spaces or a `..` segment. */
export const OperationIdSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7e]+$/, 'not a valid operation id')
  .refine((id) => !id.split('/').includes('..'), 'an operation id has no ".." segment');

/** A host node's name: a DNS label. */
export const NodeNameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/, 'not a valid node name');

/** A guest's name: a DNS name (labels of letters, digits and `-`, joined by dots). */
export const GuestNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
    'not a valid guest name (a DNS name: letters, digits, "-" and ".")',
  );

/** A snapshot's name: a letter, then up to 39 letters, digits, `_` or `-`; `current` is reserved. */
export const SnapshotNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'not a valid snapshot name')
  .refine((name) => name !== 'current', '"current" is reserved');

/** A tag on a guest. */
export const TagSchema = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_+.-]{0,63}$/, 'not a valid tag');

/** A storage, pool or bridge identifier. */
export const ResourceNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9._-]*$/, 'not a valid name');

/** A volume reference in a storage, e.g. `local:iso/debian.iso` or `local:vztmpl/debian-12.tar.zst`. */
export const VolumeIdSchema = z
  .string()
  .min(3)
  .max(255)
  .regex(/^[A-Za-z][A-Za-z0-9._-]*:[A-Za-z0-9._/+-]+$/, 'not a valid volume id (storage:path)')
  .refine((v) => !v.split(/[:/]/).includes('..'), 'a volume id has no ".." segment');

/** Provider-specific options, namespaced by connector kind: `{ proxmox: { ... } }`. */
export const ProviderOptionsSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9-]*$/, 'not a connector kind'),
  z.record(z.string(), z.unknown()),
);

/** Provider-specific options, namespaced by connector kind. */
export type ProviderOptions = z.infer<typeof ProviderOptionsSchema>;

/**
 * An idempotency key: 1 to 128 printable ASCII characters without spaces (a UUID is the usual choice). See
 * `CallOptions.idempotencyKey`.
 */
export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'not an idempotency key (printable ASCII without spaces)');
