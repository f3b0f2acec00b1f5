import type { CallOptions, HypervisorConnector } from '@hvc/hypervisor-connector';
import type { Authorizer } from '../authz/authorizer.js';
import type { HvcStore } from '../storage/hvc-store.js';

/** Hands out the connector of a target by id; the hypervisor resolver is one. */
export interface ConnectorResolver {
  resolve(targetId: string, options?: CallOptions): Promise<HypervisorConnector>;
}

/** What the API services are built from. */
export interface ServiceDeps {
  readonly resolver: ConnectorResolver;
  readonly authorizer: Authorizer;
  readonly store: HvcStore;
}
