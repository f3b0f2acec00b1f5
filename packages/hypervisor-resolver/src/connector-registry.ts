import { type ConnectorFactory, InternalError, isHypervisorError } from '@hvc/hypervisor-connector';
import { SingleFlight } from '@hvc/hypervisor-connector-kit';
import { isConnectorKind } from './connector-kind.js';
import type { ConnectorLoader, ConnectorsOption } from './connector-types.js';
import { checkFactory, looksLikeFactory } from './factory-check.js';
import { NoSuchConnectorError } from './resolver-errors.js';
import { throwIfAny } from './resolver-limits.js';

/**
 * The factories a resolver knows. Eager ones are checked when registered; lazy ones when first loaded (once, shared
 * by concurrent callers; a failed load is tried again next time).
 */
export class ConnectorRegistry {
  readonly #factories = new Map<string, ConnectorFactory>();
  readonly #loaders = new Map<string, ConnectorLoader>();
  readonly #loading = new SingleFlight<string, ConnectorFactory>();

  constructor(connectors: ConnectorsOption | undefined) {
    if (connectors === undefined) return;
    if (typeof connectors !== 'object' || connectors === null) {
      throwIfAny(
        [{ field: 'connectors', message: 'expected an object of factories by kind' }],
        'resolver options',
      );
    }
    for (const [kind, entry] of Object.entries(connectors)) {
      if (!isConnectorKind(kind)) {
        throwIfAny(
          [{ field: `connectors.${kind}`, message: 'a kind is lower case letters, digits and "-"' }],
          'resolver options',
        );
      }
      if (typeof entry === 'function') this.#loaders.set(kind, entry);
      else this.#factories.set(kind, checkFactory(kind, entry));
    }
  }

  /** The registered kinds, sorted. */
  kinds(): string[] {
    return [...new Set([...this.#factories.keys(), ...this.#loaders.keys()])].sort();
  }

  /** The factory for `kind`, loading it if needed. {@link NoSuchConnectorError} when the kind is unknown. */
  async get(kind: string): Promise<ConnectorFactory> {
    const factory = this.#factories.get(kind);
    if (factory !== undefined) return factory;
    const loader = this.#loaders.get(kind);
    if (loader === undefined) throw new NoSuchConnectorError(kind, this.kinds());
    return this.#loading.run(kind, () => this.#load(kind, loader));
  }

  async #load(kind: string, loader: ConnectorLoader): Promise<ConnectorFactory> {
    let loaded: unknown;
    try {
      loaded = await loader();
    } catch (error) {
      throw new InternalError(`could not load connector "${kind}": ${messageOf(error)}`, { cause: error });
    }
    const factory = checkFactory(kind, pickFactory(kind, loaded));
    this.#factories.set(kind, factory);
    return factory;
  }
}

/** The factory in what a loader returned: itself, its `default` export, or its one export of that kind. */
function pickFactory(kind: string, loaded: unknown): unknown {
  if (looksLikeFactory(loaded) || typeof loaded !== 'object' || loaded === null) return loaded;
  const exports = loaded as Record<string, unknown>;
  if (looksLikeFactory(exports.default)) return exports.default;
  const ofKind = [...new Set(Object.values(exports))].filter(
    (value) => looksLikeFactory(value) && value.kind === kind,
  );
  return ofKind.length === 1 ? ofKind[0] : loaded;
}

function messageOf(error: unknown): string {
  if (isHypervisorError(error) || error instanceof Error) return error.message;
  return String(error);
}
