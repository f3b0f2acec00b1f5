import { afterAll, describe, it } from 'vitest';
import { DEFAULT_OPERATION_TIMEOUT_MS } from './case-context.js';
import { CONFORMANCE_GROUPS } from './cases/index.js';
import type { ConformanceFixture } from './conformance-fixture.js';
import { runConformanceCase, unmetNeed } from './run-conformance-case.js';

/** Cases run a handful of waits one after the other; a hung one fails the case rather than the whole run. */
const WAITS_PER_CASE = 12;

/**
 * Registers the conformance suite for one connector: one vitest `describe` per concern, one test per case. Each
 * case opens its own connector with `fixture.connect()` and closes it at the end; `fixture.cleanup()` runs after
 * the last case. A case whose fixture member is missing is registered as a skip that says which; a case the
 * connector cannot run (a capability it reports missing, a single-node target) skips at run time with the reason.
 */
export function describeConformance(fixture: ConformanceFixture): void {
  const timeout = Math.max(
    30_000,
    WAITS_PER_CASE * (fixture.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS),
  );
  describe(`connector conformance: ${fixture.name}`, () => {
    afterAll(async () => {
      await fixture.cleanup?.();
    });
    for (const [group, cases] of Object.entries(CONFORMANCE_GROUPS)) {
      describe(group, () => {
        for (const conformanceCase of cases) {
          const title = `${conformanceCase.id}: ${conformanceCase.title}`;
          const missing = unmetNeed(fixture, conformanceCase.needs);
          if (missing) {
            it.skip(`${title} (skipped: the fixture has no ${missing})`, () => {});
            continue;
          }
          it(
            title,
            async (test) => {
              const result = await runConformanceCase(fixture, conformanceCase);
              if (result.status === 'skipped') test.skip(result.reason);
            },
            timeout,
          );
        }
      });
    }
  });
}
