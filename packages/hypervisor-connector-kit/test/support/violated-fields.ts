import { InvalidArgumentError } from '@hvc/hypervisor-connector';
import { expect } from 'vitest';

/**
 * The fields of the INVALID_ARGUMENT that `run` throws, after checking that none of `secrets` shows in the error,
 * its message or its details. Anything else thrown, or nothing, fails the test.
 */
export function violatedFields(run: () => unknown, secrets: readonly string[] = []): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    const text = `${(error as Error).message} ${JSON.stringify(error)}`;
    for (const secret of secrets) expect(text).not.toContain(secret);
    return (error as InvalidArgumentError).violations.map((v) => v.field);
  }
  throw new Error('expected INVALID_ARGUMENT');
}
