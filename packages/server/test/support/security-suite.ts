import { afterAll, beforeAll } from 'vitest';
import { type SecurityStack, startSecurityStack } from '../security/support/security-stack.js';

/** The security stack of one test file and the bearer headers of its users. */
export interface SecuritySuite {
  /** The running stack (after the file's `beforeAll`). */
  readonly stack: SecurityStack;
  /** Call options authenticating as `user`, with `headers` added. */
  as(user: string, headers?: Record<string, string>): { headers: Record<string, string> };
}

/**
 * Starts the security stack before the file's tests and closes it after them, with tokens for the operator, the
 * viewer and the admin of another organisation; `prepare` runs on the stack first (extra targets, say).
 */
export function securitySuite(prepare?: (stack: SecurityStack) => Promise<unknown>): SecuritySuite {
  let started: SecurityStack | undefined;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    started = await startSecurityStack();
    await prepare?.(started);
    for (const user of ['op', 'viewer', 'gadmin'] as const) tokens[user] = await started.token(user);
  }, 30_000);
  afterAll(async () => {
    await started?.close();
  });
  return {
    get stack() {
      if (started === undefined) throw new Error('the security stack has not started');
      return started;
    },
    as: (user, headers = {}) => ({ headers: { authorization: `Bearer ${tokens[user]}`, ...headers } }),
  };
}
