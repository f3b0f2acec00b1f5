import { type ConnectorFactory, type HypervisorConnector, UnavailableError } from '@hvc/hypervisor-connector';

/** A factory around `base` that records each connector it makes, each call on them and each close. */
export interface RecordingFactory<C> {
  readonly factory: ConnectorFactory<C>;
  /** The connectors made, in order. */
  readonly created: HypervisorConnector[];
  /** `create:<target>#n`, `call:<target>#n:<method>`, `done:<target>#n:<method>`, `close:<target>#n`, in order. */
  readonly log: string[];
  /** Calls per connector index. */
  readonly calls: number[];
}

const PASSIVE = new Set<PropertyKey>(['kind', 'specificationVersion', 'capabilities', 'then']);

/**
 * Wraps `base`; while `dead` is (or returns) true, every call on a connector fails with UNAVAILABLE like an
 * unreachable host (after being counted); `close` always works.
 */
export function recordingFactory<C>(
  base: ConnectorFactory<C>,
  options: { kind?: string; dead?: boolean | (() => boolean); log?: string[] } = {},
): RecordingFactory<C> {
  const created: HypervisorConnector[] = [];
  const log = options.log ?? [];
  const calls: number[] = [];
  const factory: ConnectorFactory<C> = {
    kind: options.kind ?? base.kind,
    specificationVersion: base.specificationVersion,
    configSchema: base.configSchema,
    create(config, context) {
      const index = created.length;
      const name = `${context?.targetId}#${index}`;
      const inner = base.create(config, context);
      calls.push(0);
      log.push(`create:${name}`);
      const wrapped = new Proxy(inner, {
        get(target, property) {
          if (property === 'kind') return options.kind ?? target.kind;
          const value = Reflect.get(target, property, target) as unknown;
          if (typeof value !== 'function' || PASSIVE.has(property)) return value;
          if (property === 'close' || property === Symbol.asyncDispose) {
            return async () => {
              log.push(`close:${name}`);
              await target.close();
            };
          }
          return async (...args: unknown[]) => {
            calls[index] = (calls[index] ?? 0) + 1;
            log.push(`call:${name}:${String(property)}`);
            try {
              if (options.dead === true || (typeof options.dead === 'function' && options.dead()))
                throw new UnavailableError('connect ECONNREFUSED 192.0.2.1:8006');
              return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            } finally {
              log.push(`done:${name}:${String(property)}`);
            }
          };
        },
      });
      created.push(wrapped);
      return wrapped;
    },
  };
  return { factory, created, log, calls };
}
