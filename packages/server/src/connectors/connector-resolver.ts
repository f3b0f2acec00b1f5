import type { CallOptions, HypervisorConnector } from '@hvc/hypervisor-connector';

/** A target as the resolver sees it: its kind and its connector config, credentials included. */
export interface ConnectorTarget {
  /** A name for the target in errors. */
  readonly id: string;
  readonly kind: string;
  readonly config: unknown;
}

/**
 * Hands out the connector of a target by its key (`TargetRecord.key`: unique per row, never reused); the
 * hypervisor resolver is one. The server validates a target's config with it before storing it, and evicts a
 * target's connector when the target is deleted or changed.
 */
export interface ConnectorResolver {
  resolve(targetKey: string, options?: CallOptions): Promise<HypervisorConnector>;
  /**
   * Checks a target with its connector's own config schema, creating nothing: INVALID_ARGUMENT naming each bad field
   * (never a value), UNSUPPORTED for a kind it does not know.
   */
  validateTarget(target: ConnectorTarget): Promise<unknown>;
  /** Retires the target's connector now (new calls refused) and closes it once its calls in flight are done. */
  evict(targetKey: string): Promise<void>;
}
