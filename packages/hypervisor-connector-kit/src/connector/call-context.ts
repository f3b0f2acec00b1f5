import type { Capabilities, CapabilityName, GuestType } from '@hvc/hypervisor-connector';
import { requireCapability } from '../capabilities/require-capability.js';

/** What a connector implementation is handed with every call. */
export interface CallContext {
  /**
   * The call's signal: the caller's, joined with the call's deadline when it has one. Hand it to every request
   * the call makes. `undefined` when the caller gave neither, so nothing is allocated for it.
   */
  readonly signal: AbortSignal | undefined;
  /** The target id the connector was created for, for errors. */
  readonly target: string | undefined;
  /**
   * Throws UNSUPPORTED unless the connector's current capabilities (refined for the target and credential) have
   * `name` — for guests of `guestType` too, when given. For checks the kit cannot make before the call starts
   * (a live or offline migration that depends on the guest's state).
   */
  require(name: CapabilityName, guestType?: GuestType): Promise<void>;
}

/** A {@link CallContext} bound to one connector's capabilities. */
export class ConnectorCallContext implements CallContext {
  readonly signal: AbortSignal | undefined;
  readonly target: string | undefined;
  readonly #capabilities: (context: CallContext) => Capabilities | Promise<Capabilities>;

  constructor(
    signal: AbortSignal | undefined,
    target: string | undefined,
    capabilities: (context: CallContext) => Capabilities | Promise<Capabilities>,
  ) {
    this.signal = signal;
    this.target = target;
    this.#capabilities = capabilities;
  }

  async require(name: CapabilityName, guestType?: GuestType): Promise<void> {
    const capabilities = await this.#capabilities(this);
    requireCapability(capabilities, name, {
      ...(this.target === undefined ? {} : { target: this.target }),
      ...(guestType === undefined ? {} : { guestType }),
    });
  }
}
