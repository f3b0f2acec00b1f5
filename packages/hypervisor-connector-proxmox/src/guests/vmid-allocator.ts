import { AlreadyExistsError, isHypervisorError, UnavailableError } from '@hvc/hypervisor-connector';
import { PveNextIdSchema } from '../schemas/cluster.js';
import type { PveClient } from '../transport/pve-client.js';
import type { VmidReservations } from './vmid-reservations.js';

const MAX_ATTEMPTS = 20;

/**
 * Creates something that needs a fresh VMID. PVE cannot reserve an id: `/cluster/nextid` only proposes one, and
 * another creator may take it first. So each attempt asks for a candidate (never one already tried, nor one this
 * connector has just sent with another create or clone), runs `create`, and on ALREADY_EXISTS — a synchronous
 * refusal, nothing was created — moves on to the next id.
 */
export async function withFreshVmid<T>(
  client: PveClient,
  create: (vmid: number) => Promise<T>,
  signal?: AbortSignal,
  reservations?: VmidReservations,
): Promise<T> {
  const options = signal ? { signal } : {};
  let lastTried = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let candidate = await client.get('/cluster/nextid', undefined, PveNextIdSchema, options);
    while (candidate <= lastTried || reservations?.isHeld(candidate)) {
      candidate = await probe(client, Math.max(lastTried, candidate) + 1, options);
    }
    // Held from here, before anything is awaited, so a concurrent allocation of this connector skips it.
    reservations?.hold(candidate);
    try {
      return await create(candidate);
    } catch (error) {
      if (!(isHypervisorError(error) && error.mayHaveBeenApplied)) reservations?.release(candidate);
      if (!isHypervisorError(error, 'ALREADY_EXISTS')) throw error;
      lastTried = candidate;
    }
  }
  throw new UnavailableError(`no free VMID after ${MAX_ATTEMPTS} attempts: other creators keep taking them`);
}

/** The first free id from `vmid` on, probing `/cluster/nextid?vmid=`. */
async function probe(client: PveClient, from: number, options: { signal?: AbortSignal }): Promise<number> {
  for (let vmid = from; vmid < from + 1000; vmid++) {
    try {
      return await client.get('/cluster/nextid', { vmid }, PveNextIdSchema, options);
    } catch (error) {
      if (!isHypervisorError(error, 'ALREADY_EXISTS')) throw error;
    }
  }
  throw new AlreadyExistsError(`no free VMID from ${from} on`);
}
