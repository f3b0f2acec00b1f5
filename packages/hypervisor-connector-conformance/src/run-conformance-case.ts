import { createCaseContext } from './case-context.js';
import { CONFORMANCE_CASES } from './cases/index.js';
import { type CaseNeed, CaseSkip, type ConformanceCase } from './conformance-case.js';
import type { ConformanceFixture } from './conformance-fixture.js';

/** How a case ended when it did not fail. */
export type CaseResult =
  | { readonly status: 'passed' }
  | { readonly status: 'skipped'; readonly reason: string };

/** The first need of `needs` the fixture does not meet, as the member it lacks. */
export function unmetNeed(fixture: ConformanceFixture, needs: readonly CaseNeed[] = []): string | undefined {
  for (const need of needs) {
    if (need === 'guestSpec') {
      if (!fixture.vmSpec && !fixture.containerSpec) return 'vmSpec or containerSpec';
    } else if (fixture[need] === undefined) {
      return need;
    }
  }
  return undefined;
}

/**
 * Runs one case against the fixture outside of {@link describeConformance}: opens its connectors, runs the check and
 * cleans up. Resolves when the behaviour holds (or the case had to be skipped, with the reason) and rejects with
 * the failed assertion when it is broken — which lets a test prove that a case catches a broken connector.
 */
export async function runConformanceCase(
  fixture: ConformanceFixture,
  conformanceCase: ConformanceCase | string,
): Promise<CaseResult> {
  const found =
    typeof conformanceCase === 'string'
      ? CONFORMANCE_CASES.find((c) => c.id === conformanceCase)
      : conformanceCase;
  if (!found) throw new Error(`no conformance case has the id "${String(conformanceCase)}"`);
  const missing = unmetNeed(fixture, found.needs);
  if (missing) return { status: 'skipped', reason: `the fixture has no ${missing}` };
  const ctx = await createCaseContext(fixture);
  try {
    await found.run(ctx);
    return { status: 'passed' };
  } catch (error) {
    if (error instanceof CaseSkip) return { status: 'skipped', reason: error.message };
    throw error;
  } finally {
    await ctx.dispose();
  }
}
