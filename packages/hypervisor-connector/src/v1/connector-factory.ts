import type { z } from 'zod';
import type { HypervisorConnector } from './connector.js';
import type { SpecificationVersion } from './specification.js';

/** What a factory is told about the target it creates a connector for. */
export interface ConnectorContext {
  /** The target's id, used in errors and diagnostics. */
  readonly targetId?: string;
}

/**
 * Makes connectors of one kind. A resolver validates each target's config with `configSchema` and then calls
 * `create`; the factory itself holds no connection. `Config` is the validated config `create` takes, `ConfigInput`
 * what callers may write (short forms, defaults left out), so code that names a target's config is type-checked
 * against the schema's input.
 */
export interface ConnectorFactory<Config = unknown, ConfigInput = unknown> {
  /** The connector kind, e.g. `proxmox`. Lower case letters, digits and `-`. */
  readonly kind: string;
  readonly specificationVersion: SpecificationVersion;
  /** Validates a target's configuration. Its output is what `create` receives. */
  readonly configSchema: z.ZodType<Config, ConfigInput>;
  /** Creates a connector for one target. Must not do I/O before the first call. */
  create(config: Config, context?: ConnectorContext): HypervisorConnector;
}

/** The validated config type of a factory. */
export type ConnectorConfigOf<F> = F extends ConnectorFactory<infer C, infer _I> ? C : never;

/** The config type callers of a factory may write. */
export type ConnectorConfigInputOf<F> = F extends ConnectorFactory<infer _C, infer I> ? I : never;
