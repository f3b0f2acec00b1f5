import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LoadResult } from '../load/load-runner.js';
import type { FleetGuest } from '../responder/guest-fleet.js';
import type { BenchTarget } from '../responder/responder-process.js';
import { DEBIAN_PYTHON } from './proxmoxer-install.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../python/proxmoxer_load.py', import.meta.url));

/** What the Python peer measures in its own process. */
export interface ProxmoxerLoad {
  readonly call: 'getGuest' | 'listGuests';
  readonly guests: readonly FleetGuest[];
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly runs: number;
}

/**
 * Runs proxmoxer in a separate Python process against the responder, trusting the same certificate (its CA file
 * as `verify_ssl`) with the same API token; resolves with one result per run.
 */
export async function runProxmoxer(target: BenchTarget, load: ProxmoxerLoad): Promise<LoadResult[]> {
  const [user, tokenName] = target.tokenId.split('!') as [string, string];
  const args = {
    host: target.host,
    port: target.port,
    caFile: target.certificate.certFile,
    user,
    tokenName,
    tokenValue: target.tokenSecret,
    call: load.call,
    guests: load.guests.map((guest) => [guest.node, guest.type, guest.vmid]),
    concurrency: load.concurrency,
    durationMs: load.durationMs,
    warmupMs: load.warmupMs,
    runs: load.runs,
  };
  const { stdout } = await run(DEBIAN_PYTHON, [SCRIPT, JSON.stringify(args)], { maxBuffer: 1 << 20 });
  const results = JSON.parse(stdout) as Array<LoadResult & { firstError: string | null }>;
  return results.map(({ firstError, ...rest }) => ({
    ...rest,
    p50Ms: rest.p50Ms ?? Number.NaN,
    p99Ms: rest.p99Ms ?? Number.NaN,
    ...(firstError ? { firstError } : {}),
  }));
}
