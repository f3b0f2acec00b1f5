import type { FieldViolation } from '@hvc/hypervisor-connector';
import { throwIfAny } from './resolver-limits.js';
import {
  isTargetId,
  type TargetDescriptor,
  type TargetDescriptorFor,
  type UriTargetDescriptor,
} from './target-descriptor.js';

/** Options the resolver passes to a {@link TargetSource}. */
export interface TargetSourceOptions {
  /** Fires when every caller waiting for this lookup has given up. */
  readonly signal: AbortSignal;
}

/**
 * Looks a target up by id, e.g. in a database; undefined when there is none. What it returns is data, checked and
 * validated at run time: a descriptor's `kind` is any string and its `config` anything. The resolver calls it on every
 * `resolve(id)` (concurrent resolves of one id share a call), so a changed config is seen at once: keep it cheap.
 * A source may return a frozen descriptor (`Object.freeze`, its config and everything in it included) and the
 * same object again while the target is unchanged: the resolver then checks and validates it once, not on every
 * resolve. A changed target must come back as a new object.
 */
export type TargetSource = (
  id: string,
  options: TargetSourceOptions,
) =>
  | Promise<TargetDescriptor | UriTargetDescriptor | undefined>
  | TargetDescriptor
  | UriTargetDescriptor
  | undefined;

/**
 * The targets a resolver knows: a fixed list written in code (each entry with its id, each config typed for its
 * kind) or a source to ask (for targets that are data).
 */
export type TargetsOption<Connectors> =
  | readonly (TargetDescriptorFor<Connectors> | (UriTargetDescriptor & { readonly id: string }))[]
  | TargetSource;

/**
 * A {@link TargetSource} for `targets`. A list is indexed once; every entry needs an id (a URI entry too), and a
 * missing or duplicate one throws INVALID_ARGUMENT.
 */
export function toTargetSource(
  targets: readonly (TargetDescriptor | UriTargetDescriptor)[] | TargetSource | undefined,
): TargetSource {
  if (targets === undefined) return () => undefined;
  if (typeof targets === 'function') return targets;
  if (!Array.isArray(targets)) {
    throwIfAny(
      [{ field: 'targets', message: 'expected an array of descriptors or a function' }],
      'resolver options',
    );
  }
  const byId = new Map<string, TargetDescriptor | UriTargetDescriptor>();
  const violations: FieldViolation[] = [];
  targets.forEach((target, index) => {
    const id = typeof target === 'object' && target !== null ? target.id : undefined;
    if (!isTargetId(id)) {
      violations.push({
        field: `targets.${index}.id`,
        message: 'expected 1 to 256 printable characters without "://"',
      });
    } else if (byId.has(id)) {
      violations.push({ field: `targets.${index}.id`, message: `duplicate target id "${id}"` });
    } else {
      byId.set(id, target);
    }
  });
  throwIfAny(violations, 'resolver options');
  return (id) => byId.get(id);
}
