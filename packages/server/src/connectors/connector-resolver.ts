import type { CallOptions, HypervisorConnector } from '@hvc/hypervisor-connector';

/**
 * Hands out the connector of a target by its key (`TargetRecord.key`: unique per row, never reused); the
 * hypervisor resolver is one. The server evicts a target's connector when the target is deleted or changed.
 */
export interface ConnectorResolver {
  resolve(targetKey: string, options?: CallOptions): Promise<HypervisorConnector>;
  /** Retires the target's connector now (new calls refused) and closes it once its calls in flight are done. */
  evict(targetKey: string): Promise<void>;
}
