import type { FieldViolation } from '@hvc/hypervisor-connector';

/**
 * One rule of a kind's tenant policy: the violations of a config (fields relative to the config, e.g.
 * `hosts.0.uri`) that an organisation admin may not write, because they reach the server's own machine or budget.
 * Rules see a config that passed its connector's schema, credentials under `credentials`; a message names the
 * field and why, never a value.
 */
export type TenantRule = (
  config: Readonly<Record<string, unknown>>,
) => readonly FieldViolation[] | Promise<readonly FieldViolation[]>;
