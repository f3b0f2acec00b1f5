import type { FieldViolation } from '@hvc/hypervisor-connector';
import { isConnectorKind, uriKind } from './connector-kind.js';
import type { ConnectorKind, TargetConfigInput } from './connector-types.js';
import { InvalidTargetConfigError } from './resolver-errors.js';
import type { GuardLimits } from './resolver-limits.js';

/**
 * One target: which connector kind drives it and that connector's config (validated by the factory's schema). A
 * target source returns these as data (`kind` a string, `config` anything); {@link TargetDescriptorFor} types one per
 * kind of a registry.
 */
export interface TargetDescriptor<Kind extends string = string, Config = unknown> {
  /** The target's id: 1 to 256 printable characters, without `://`. */
  readonly id: string;
  /** The connector kind, e.g. `proxmox`. */
  readonly kind: Kind;
  /** The connector's config for this target. */
  readonly config: Config;
  /** Guard limits for this target, over the resolver's defaults. */
  readonly limits?: GuardLimits;
}

/**
 * A descriptor of a target of one of the registry's kinds, its config typed for that kind: checked at compile time
 * where the code names the kind, e.g. `TargetDescriptorFor<typeof connectors, 'proxmox'>`.
 */
export type TargetDescriptorFor<
  Connectors,
  Kind extends ConnectorKind<Connectors> = ConnectorKind<Connectors>,
> = Kind extends unknown ? TargetDescriptor<Kind, TargetConfigInput<Connectors, Kind>> : never;

/**
 * A descriptor whose kind is only known at run time (a `string`, such as a database row's): its config is validated
 * when it is used. A kind written as a literal is not dynamic: it must be one of the registry's, with its config.
 */
export type DynamicTargetDescriptor<Kind extends string> = TargetDescriptor<Kind> &
  (string extends Kind ? unknown : never);

/**
 * A target given as a URI, parsed by the factory its scheme names (which must offer `configFromUri`). The secret is
 * passed beside the URI, never in it.
 */
export interface UriTargetDescriptor {
  /** The target's id; defaults to the URI. */
  readonly id?: string;
  /** E.g. `proxmox://user@pam!ci@pve1.example:8006?fingerprint=AB:...`. */
  readonly uri: string;
  /** The credential the URI does not carry. */
  readonly secret?: string;
  /** Guard limits for this target, over the resolver's defaults. */
  readonly limits?: GuardLimits;
}

/** What `resolve` accepts at run time: a target id, a target URI, or a descriptor. A string with `://` is a URI. */
export type TargetInput = string | TargetDescriptor | UriTargetDescriptor;

/** A descriptor after its shape was checked: either form, with its id and kind known. */
export type CheckedDescriptor =
  | (TargetDescriptor & { readonly form: 'config' })
  | (UriTargetDescriptor & { readonly id: string; readonly kind: string; readonly form: 'uri' });

/** Whether `value` is a usable target id. */
export function isTargetId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= 256 &&
    /^[\x20-\x7e]+$/.test(value) &&
    !value.includes('://')
  );
}

/**
 * Checks the shape of a descriptor (not its config: the factory does that) and works out its kind. Throws
 * {@link InvalidTargetConfigError} naming the target (`fallbackId` when the descriptor has no usable id) and fields.
 */
export function checkDescriptor(value: unknown, fallbackId: string): CheckedDescriptor {
  const violations: FieldViolation[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidTargetConfigError(fallbackId, [
      { field: '', message: 'expected a target descriptor object' },
    ]);
  }
  const record = value as Record<string, unknown>;
  const limits = record.limits;
  if (limits !== undefined && (typeof limits !== 'object' || limits === null || Array.isArray(limits))) {
    violations.push({ field: 'limits', message: 'expected an object' });
  }
  if ('uri' in record) {
    const uri = record.uri;
    const kind = typeof uri === 'string' ? uriKind(uri) : undefined;
    const id = record.id === undefined && typeof uri === 'string' && !hasPassword(uri) ? uri : record.id;
    const targetId = typeof id === 'string' && id.length > 0 && id.length <= 2048 ? id : fallbackId;
    if (kind === undefined) violations.push({ field: 'uri', message: 'expected a URI such as kind://host' });
    else if (hasPassword(uri as string)) {
      violations.push({ field: 'uri', message: 'a URI must not carry a password; pass it as `secret`' });
    }
    if (record.id !== undefined && !isTargetId(record.id)) violations.push(idViolation());
    if (record.secret !== undefined && typeof record.secret !== 'string') {
      violations.push({ field: 'secret', message: 'expected a string' });
    }
    if (violations.length > 0) throw new InvalidTargetConfigError(targetId, violations);
    return { ...(record as unknown as UriTargetDescriptor), id: targetId, kind: kind as string, form: 'uri' };
  }
  const targetId = isTargetId(record.id) ? record.id : fallbackId;
  if (!isTargetId(record.id)) violations.push(idViolation());
  if (!isConnectorKind(record.kind)) {
    violations.push({
      field: 'kind',
      message: 'expected a connector kind (lower case letters, digits, "-")',
    });
  }
  if (violations.length > 0) throw new InvalidTargetConfigError(targetId, violations);
  return { ...(record as unknown as TargetDescriptor), form: 'config' };
}

function idViolation(): FieldViolation {
  return { field: 'id', message: 'expected 1 to 256 printable characters without "://"' };
}

/** Whether a URI carries a password in its user info (`scheme://user:password@host`). */
function hasPassword(uri: string): boolean {
  const authority = /^[A-Za-z][A-Za-z0-9.+-]*:\/\/([^/?#]*)/.exec(uri)?.[1] ?? '';
  const at = authority.lastIndexOf('@');
  return at >= 0 && authority.slice(0, at).includes(':');
}
