import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which of a VM spec's sizes the caller wrote. The contract's schema fills `cpus` (1) and `memoryMiB` (512) when a
 * spec leaves them out, so the parsed spec cannot tell a default from a choice; a VM cloned from a template must keep
 * the template's sizes unless the caller chose others.
 */
export interface GivenSizing {
  readonly cpus: boolean;
  readonly memoryMiB: boolean;
}

/** Outside a `createGuest` call every size counts as given: nothing is left out by mistake. */
const ALL_GIVEN: GivenSizing = Object.freeze({ cpus: true, memoryMiB: true });
const current = new AsyncLocalStorage<GivenSizing>();

/** The sizes a raw (unparsed) `createGuest` spec names. */
export function givenSizingOf(input: unknown): GivenSizing {
  const spec = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  return { cpus: spec.cpus !== undefined, memoryMiB: spec.memoryMiB !== undefined };
}

/**
 * Runs `call` (the connector's `createGuest` on the raw `input`) with the sizes `input` names in scope, so that the
 * implementation, which receives the spec with defaults applied, can ask {@link givenSizing}.
 */
export function withGivenSizing<T>(input: unknown, call: () => T): T {
  return current.run(givenSizingOf(input), call);
}

/** The sizes the caller of the `createGuest` call in progress wrote ({@link ALL_GIVEN} outside one). */
export function givenSizing(): GivenSizing {
  return current.getStore() ?? ALL_GIVEN;
}
