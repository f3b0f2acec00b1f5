import type { ConnectorFactory } from '@hvc/hypervisor-connector';
import type { BenchSettings } from '../bench-settings.js';
import { ClientGroup } from '../clients/client-group.js';
import type { ClientCall, ClientKind } from '../clients/client-protocol.js';
import type { LoadResult } from '../load/load-runner.js';
import type { ProxmoxerAvailability } from '../peers/proxmoxer-install.js';
import { runProxmoxer } from '../peers/proxmoxer-runner.js';
import { buildGuestFleet, type FleetGuest } from '../responder/guest-fleet.js';
import { ResponderProcess } from '../responder/responder-process.js';
import type { BenchCertificate } from '../tls/bench-certificate.js';
import {
  type ClientMeasurement,
  notMeasured,
  type ResponderSample,
  summariseRuns,
} from './measured-client.js';

/** One call at one concurrency, every client side by side. */
export interface SingleCallCase {
  readonly call: 'getGuest' | 'listGuests';
  readonly concurrency: number;
  readonly clients: readonly ClientMeasurement[];
}

/** Everything the single-call scenario measured. */
export interface SingleCallResult {
  readonly guests: number;
  readonly nodes: number;
  readonly cases: readonly SingleCallCase[];
}

/** What the scenario needs from the run. */
export interface SingleCallInputs {
  readonly settings: BenchSettings;
  readonly certificate: BenchCertificate;
  readonly factory: ConnectorFactory | undefined;
  readonly factoryUnavailable: string | undefined;
  readonly proxmoxer: ProxmoxerAvailability;
  readonly log: (line: string) => void;
}

const GUESTS = 5_000;
const NODES = 32;
const CONCURRENCIES = [1, 32] as const;
const CALLS = ['getGuest', 'listGuests'] as const;
// getGuest cycles over this many guests (a mix of VMs and containers on several nodes).
const GUEST_SAMPLE = 40;

/**
 * `getGuest` and `listGuests` at concurrency 1 and 32 against a 5,000-guest responder: hvc vs raw undici on the
 * same URLs vs `proxmox-api`, each client in a Node process of its own (as a user links one client, so that none
 * pays for another's garbage or heap), their runs interleaved with the client order rotated each run; then
 * proxmoxer in its own Python process.
 */
export async function runSingleCall(inputs: SingleCallInputs): Promise<SingleCallResult> {
  const { settings, log } = inputs;
  const responder = await ResponderProcess.start({ guests: GUESTS, nodes: NODES }, inputs.certificate);
  const sample = buildGuestFleet(GUESTS, NODES).guests.slice(0, GUEST_SAMPLE);
  const cases: SingleCallCase[] = [];
  try {
    for (const call of CALLS) {
      for (const concurrency of CONCURRENCIES) {
        log(`single call: ${call} at concurrency ${concurrency}`);
        // Each getGuest makes two requests: two sockets per caller, so that neither client queues on its pool.
        const sockets = concurrency * 2;
        const kinds: ClientKind[] = inputs.factory
          ? ['raw undici', 'hvc', 'proxmox-api']
          : ['raw undici', 'proxmox-api'];
        const clientCall: ClientCall = call === 'listGuests' ? { call } : { call, guests: sample };
        const measured = await measureInterleaved(
          kinds,
          clientCall,
          concurrency,
          sockets,
          responder,
          settings,
        );
        const rows = [measured.get('raw undici') as ClientMeasurement];
        rows.push(measured.get('hvc') ?? notMeasured('hvc', inputs.factoryUnavailable ?? 'not measured'));
        rows.push(measured.get('proxmox-api') as ClientMeasurement);
        log(`single call: ${call} at concurrency ${concurrency}, proxmoxer`);
        rows.push(await measureProxmoxer(inputs, responder, call, concurrency, sample));
        cases.push({ call, concurrency, clients: rows });
      }
    }
  } finally {
    await responder.close();
  }
  return { guests: GUESTS, nodes: NODES, cases };
}

async function measureInterleaved(
  kinds: readonly ClientKind[],
  call: ClientCall,
  concurrency: number,
  sockets: number,
  responder: ResponderProcess,
  settings: BenchSettings,
): Promise<Map<string, ClientMeasurement>> {
  // A client that cannot start or fails a command drops out of the rounds with its reason; the others go on.
  const group = await ClientGroup.start(
    kinds.map((kind) => ({ label: kind, kind })),
    responder.target,
    sockets,
  );
  const runs = kinds.map(() => [] as LoadResult[]);
  const samples = kinds.map(() => [] as ResponderSample[]);
  try {
    for (let i = 0; i < kinds.length; i++) {
      await group.attempt(i, (client) => client.run(call, { concurrency, durationMs: settings.warmupMs }));
    }
    for (let run = 0; run < settings.runs; run++) {
      for (let k = 0; k < kinds.length; k++) {
        // Rotate who goes first so that drift in the machine's load spreads over every client.
        const i = (k + run) % kinds.length;
        await responder.reset();
        const result = await group.attempt(i, (client) =>
          client.run(call, { concurrency, durationMs: settings.runMs }),
        );
        if (!result) continue;
        runs[i]?.push(result);
        const stats = await responder.stats();
        samples[i]?.push({
          cpuShare: stats.cpuMs / stats.wallMs,
          requestsPerCall: result.requests === 0 ? null : stats.requests / result.requests,
        });
      }
    }
  } finally {
    await group.close();
  }
  return new Map(
    kinds.map((kind, i) => {
      const reason = group.failure(i);
      return [
        kind,
        reason ? notMeasured(kind, reason) : summariseRuns(kind, runs[i] ?? [], samples[i] ?? []),
      ];
    }),
  );
}

async function measureProxmoxer(
  inputs: SingleCallInputs,
  responder: ResponderProcess,
  call: SingleCallCase['call'],
  concurrency: number,
  sample: readonly FleetGuest[],
): Promise<ClientMeasurement> {
  const label = 'proxmoxer';
  if ('unavailable' in inputs.proxmoxer) return notMeasured(label, inputs.proxmoxer.unavailable);
  const { settings } = inputs;
  try {
    await responder.reset();
    const runs = await runProxmoxer(responder.target, {
      call,
      guests: sample,
      concurrency,
      durationMs: settings.runMs,
      warmupMs: settings.warmupMs,
      runs: settings.runs,
    });
    const stats = await responder.stats();
    // The Python process warms up against the same responder, so its request count is not per measured call.
    return summariseRuns(label, runs, [{ cpuShare: stats.cpuMs / stats.wallMs, requestsPerCall: null }]);
  } catch (error) {
    const reason = `proxmoxer run failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    process.stderr.write(`\n*** ${reason} ***\n\n`);
    return notMeasured(label, reason);
  }
}
