import { answerCommands } from '../ipc/command-answers.js';
import { measureHeapPeak } from '../load/heap-peak.js';
import { runLoad } from '../load/load-runner.js';
import type { FleetGuest } from '../responder/guest-fleet.js';
import type { BenchTarget } from '../responder/responder-process.js';
import type { BenchClient } from './bench-client.js';
import type { ClientCall, ClientCommand, ClientKind, ClientReply, Listing } from './client-protocol.js';
import { createBenchConnector, HvcConnectorClient, loadProxmoxFactory } from './hvc-connector-client.js';
import { listPerNode, listPerNodeWithPeer } from './per-node-listing.js';
import { ProxmoxApiClient } from './proxmox-api-client.js';
import { RawUndiciClient } from './raw-undici-client.js';

// One client per process, as a user links one: no client pays for another's garbage, heap or event loop.

/** A client and the per-node listing it can make, if any. */
interface Loaded {
  readonly client: BenchClient;
  readonly perNode?: () => Promise<unknown[]>;
}

async function build(kind: ClientKind, target: BenchTarget, sockets: number): Promise<Loaded> {
  if (kind === 'raw undici') {
    const raw = new RawUndiciClient(target, sockets);
    return { client: raw, perNode: () => listPerNode(raw) };
  }
  if (kind === 'proxmox-api') {
    const peer = new ProxmoxApiClient(target);
    return { client: peer, perNode: () => listPerNodeWithPeer(peer) };
  }
  const loaded = await loadProxmoxFactory();
  if ('unavailable' in loaded) throw new Error(loaded.unavailable);
  return { client: new HvcConnectorClient(createBenchConnector(loaded.factory, target, sockets)) };
}

function callOf(client: BenchClient, call: ClientCall): () => Promise<unknown> {
  if (call.call === 'listGuests') return () => client.listGuests();
  const { guests } = call;
  let next = 0;
  return () => client.getGuest(guests[next++ % guests.length] as FleetGuest);
}

async function list(loaded: Loaded, listing: Listing): Promise<ClientReply['listed']> {
  const lister = listing === 'one call' ? () => loaded.client.listGuests() : loaded.perNode;
  if (!lister) throw new Error(`${loaded.client.label} has no ${listing} listing`);
  let guests = 0;
  const measurement = await measureHeapPeak(async () => {
    const listed = await lister();
    guests = Array.isArray(listed) ? listed.length : 0;
    return listed;
  });
  return { measurement, guests };
}

let loaded: Loaded | undefined;

async function answer(command: ClientCommand): Promise<Omit<ClientReply, 'id'>> {
  if (command.cmd === 'start') {
    loaded = await build(command.kind, command.target, command.sockets);
    return {};
  }
  if (command.cmd === 'close') {
    await loaded?.client.close();
    return {};
  }
  if (!loaded) throw new Error('the client process was not started');
  if (command.cmd === 'run')
    return { result: await runLoad(callOf(loaded.client, command.call), command.shape) };
  return { listed: await list(loaded, command.listing) };
}

// The parent is gone (it finished, failed or was killed): stop with it.
process.on('disconnect', () => process.exit(0));

answerCommands<ClientCommand, ClientReply>(answer);
