import type { CallOptions, HypervisorConnector } from '@hvc/hypervisor-connector';

/** Hands out the connector of a target by id; the hypervisor resolver is one. */
export interface ConnectorResolver {
  resolve(targetId: string, options?: CallOptions): Promise<HypervisorConnector>;
}
