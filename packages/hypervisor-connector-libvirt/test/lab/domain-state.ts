import { setTimeout as sleep } from 'node:timers/promises';
import { virsh } from './virsh.js';

/**
 * Polls `virsh domstate --reason` until it starts with `expected` (`running`, `shut off`, `shut off (shutdown)`,
 * ...) and resolves with the full answer; rejects after `timeoutMs` with the last one.
 */
export async function waitForDomainState(
  uri: string,
  name: string,
  expected: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = (await virsh(uri, ['domstate', '--reason', name])).trim();
    if (state.startsWith(expected)) return state;
    if (Date.now() >= deadline)
      throw new Error(`${name} on ${uri} is "${state}", not "${expected}", after ${timeoutMs} ms`);
    await sleep(100);
  }
}
