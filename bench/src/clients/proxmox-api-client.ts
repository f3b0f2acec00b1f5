import { createRequire } from 'node:module';
import proxmoxApi, { type ProxmoxEngineOptions } from 'proxmox-api';
import type { FleetGuest } from '../responder/guest-fleet.js';
import type { BenchTarget } from '../responder/responder-process.js';
import type { BenchClient } from './bench-client.js';

type Fetch = NonNullable<ProxmoxEngineOptions['fetch']>;

/** The parts of the undici copy the peer package ships with that give it a trusted CA. */
interface PeerUndici {
  readonly fetch: (url: string | URL, init?: object) => Promise<unknown>;
  readonly Agent: new (options: { connect: { ca: string } }) => { close(): Promise<void> };
}

/**
 * The npm `proxmox-api` package as its users run it: its own undici `fetch`, token auth, port given. Its fetch
 * hook is the only way to give it a CA, so the hook passes its own undici's fetch an agent that trusts the
 * responder's certificate — the same trust the other clients get, and no global TLS switch.
 */
export class ProxmoxApiClient implements BenchClient {
  readonly label = 'proxmox-api';
  private readonly api: ReturnType<typeof proxmoxApi>;
  private readonly agent: { close(): Promise<void> };

  constructor(target: BenchTarget) {
    const peerRequire = createRequire(import.meta.resolve('proxmox-api'));
    const undici = peerRequire('undici') as PeerUndici;
    const agent = new undici.Agent({ connect: { ca: target.certificate.cert } });
    this.agent = agent;
    const trustedFetch = (url: string | URL, init?: object) =>
      undici.fetch(url, { ...init, dispatcher: agent });
    this.api = proxmoxApi({
      host: target.host,
      port: target.port,
      tokenID: target.tokenId,
      tokenSecret: target.tokenSecret,
      fetch: trustedFetch as unknown as Fetch,
    });
  }

  /** The guest's status and its config with pending changes side by side, the same two requests the connector makes. */
  getGuest(guest: FleetGuest): Promise<unknown> {
    const node = this.api.nodes.$(guest.node);
    if (guest.type === 'qemu') {
      const vm = node.qemu.$(guest.vmid);
      return Promise.all([vm.status.current.$get(), vm.pending.$get()]);
    }
    const container = node.lxc.$(guest.vmid);
    return Promise.all([container.status.current.$get(), container.pending.$get()]);
  }

  listGuests(): Promise<unknown> {
    return this.api.cluster.resources.$get({ type: 'vm' });
  }

  /** The cluster's nodes. */
  listNodes(): Promise<unknown[]> {
    return this.api.nodes.$get();
  }

  /** Lists the guests of one node, as a client without a cluster-wide listing does. */
  async listNodeGuests(node: string): Promise<unknown[]> {
    const [vms, containers] = await Promise.all([
      this.api.nodes.$(node).qemu.$get(),
      this.api.nodes.$(node).lxc.$get(),
    ]);
    return [...vms, ...containers];
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
