import { fileURLToPath } from 'node:url';
import type { LoadResult } from '../load/load-runner.js';
import type { FleetGuest } from '../responder/guest-fleet.js';
import type { BenchTarget } from '../responder/responder-process.js';
import { runPythonLoad } from './debian-python.js';

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
  return runPythonLoad(SCRIPT, args);
}
