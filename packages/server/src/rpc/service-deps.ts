import type { Authorizer } from '../authz/authorizer.js';
import type { ConnectorResolver } from '../connectors/connector-resolver.js';
import type { HvcStore } from '../storage/hvc-store.js';

/** What the API services are built from. */
export interface ServiceDeps {
  readonly resolver: ConnectorResolver;
  readonly authorizer: Authorizer;
  readonly store: HvcStore;
}
