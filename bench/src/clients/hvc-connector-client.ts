import type { ConnectorFactory, HypervisorConnector } from '@hvc/hypervisor-connector';
import type { FleetGuest } from '../responder/guest-fleet.js';
import type { BenchTarget } from '../responder/responder-process.js';
import type { BenchClient } from './bench-client.js';

// Loaded by name at run time and used through the contract's factory type only: the bench depends on the contract,
// not on the connector's own API, and still runs (reporting hvc as not measured) when the package cannot load.
const CONNECTOR_PACKAGE = '@hvc/hypervisor-connector-proxmox';

/** The Proxmox connector factory, or why it cannot be used yet. */
export type FactoryLoad = { readonly factory: ConnectorFactory } | { readonly unavailable: string };

/** Loads the Proxmox connector's factory; reports why when the package cannot provide one yet. */
export async function loadProxmoxFactory(): Promise<FactoryLoad> {
  try {
    const module = (await import(CONNECTOR_PACKAGE)) as { proxmoxConnectorFactory?: ConnectorFactory };
    const factory = module.proxmoxConnectorFactory;
    if (!factory || typeof factory.create !== 'function') {
      return { unavailable: `${CONNECTOR_PACKAGE} does not export proxmoxConnectorFactory yet` };
    }
    return { factory };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { unavailable: `${CONNECTOR_PACKAGE} cannot be loaded: ${message}` };
  }
}

/** Creates a connector for the responder with token auth, the responder's certificate as CA, and `concurrency`. */
export function createBenchConnector(
  factory: ConnectorFactory,
  target: BenchTarget,
  concurrency?: number,
): HypervisorConnector {
  const config = factory.configSchema.parse({
    endpoints: [target.origin],
    credentials: { type: 'token', tokenId: target.tokenId, secret: target.tokenSecret },
    tls: { ca: target.certificate.cert },
    ...(concurrency === undefined ? {} : { concurrency }),
  });
  return factory.create(config, { targetId: 'bench' });
}

/** hvc's Proxmox connector, through the contract. */
export class HvcConnectorClient implements BenchClient {
  readonly label = 'hvc';

  constructor(readonly connector: HypervisorConnector) {}

  getGuest(guest: FleetGuest): Promise<unknown> {
    return this.connector.getGuest(`${guest.type}/${guest.vmid}`);
  }

  listGuests(): Promise<unknown> {
    return this.connector.listGuests();
  }

  close(): Promise<void> {
    return this.connector.close();
  }
}
