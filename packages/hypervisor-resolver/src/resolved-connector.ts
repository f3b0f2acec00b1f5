import type { CallOptions, HypervisorConnector } from '@hvc/hypervisor-connector';
import { wrapConnector } from '@hvc/hypervisor-connector-kit';
import type { TargetGuards } from './target-guards.js';

/**
 * A connector handed out by `resolve`: the target's connector behind its guards. `Connector` is the type its
 * factory creates and `Kind` its kind, as far as the code that resolved it names them.
 */
export interface ResolvedConnector<
  Connector extends HypervisorConnector = HypervisorConnector,
  Kind extends string = string,
> extends HypervisorConnector {
  readonly kind: Kind;
  /** The target it serves. */
  readonly targetId: string;
  /**
   * Runs `call` on the connector behind the guards, through the guards: the escape hatch for what a connector offers
   * beyond the contract, e.g. `pve.run((connector, o) => connector.raw('GET', '/cluster/status', {}, o))` on a
   * connector resolved as `proxmox`. `C` is the connector's type as the resolver knows it; a caller that knows
   * better (a connector resolved by id) may claim another: check `kind` first when unsure.
   */
  run<C extends HypervisorConnector = Connector, T = unknown>(
    call: (connector: C, options: CallOptions) => Promise<T>,
    options?: CallOptions,
  ): Promise<T>;
}

/** The connector of `guards.inner` that passes every call through `guards`. */
export function guardedConnector(guards: TargetGuards): ResolvedConnector {
  const { inner } = guards;
  return wrapConnector(inner, guards, {
    targetId: guards.targetId,
    run: <C extends HypervisorConnector, T>(
      call: (connector: C, options: CallOptions) => Promise<T>,
      options: CallOptions = {},
    ): Promise<T> => guards.run(options.signal, () => call(inner as C, options)),
  });
}
