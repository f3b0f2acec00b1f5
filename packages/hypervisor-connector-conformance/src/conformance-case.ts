import type { CaseContext } from './case-context.js';

/**
 * What a case needs from the fixture beyond `connect`. A case whose need is not met is registered as a visible
 * skip naming the missing member.
 */
export type CaseNeed =
  | 'guestSpec'
  | 'factory'
  | 'vmSpec'
  | 'containerSpec'
  | 'templateGuestId'
  | 'unknownOperationId'
  | 'connectRestricted'
  | 'injectOperationFailure'
  | 'slowOperations';

/** One behaviour of the contract, checked against one connector. */
export interface ConformanceCase {
  /** Stable id, `group.behaviour`, e.g. `guests.delete-removes`. */
  readonly id: string;
  /** The behaviour, as the test title shows it. */
  readonly title: string;
  /** Fixture members the case needs. */
  readonly needs?: readonly CaseNeed[];
  /** Runs the check; throws (an assertion or a {@link CaseSkip}) when the behaviour is broken or cannot be checked. */
  run(ctx: CaseContext): Promise<void>;
}

/** Thrown by {@link CaseContext.skip}: the case cannot be checked against this connector, for the reason given. */
export class CaseSkip extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CaseSkip';
  }
}
