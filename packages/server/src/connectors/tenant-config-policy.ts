import { type FieldViolation, InvalidArgumentError } from '@hvc/hypervisor-connector';
import type { CONNECTOR_KINDS } from './connector-kinds.js';
import type { ConnectorResolver, ConnectorTarget } from './connector-resolver.js';
import { LIBVIRT_TENANT_RULES } from './libvirt-tenant-rules.js';
import { PROXMOX_TENANT_RULES } from './proxmox-tenant-rules.js';
import type { TenantRule } from './tenant-rule.js';

/**
 * Each kind's rules: the config fields that are an operator's, not a tenant's, because they reach the server's
 * own machine (its libvirtd, files, keys, ssh-agent) or its budget (memory, sockets, polls), or weaken TLS.
 */
const TENANT_RULES: Readonly<Record<keyof typeof CONNECTOR_KINDS, readonly TenantRule[]>> = {
  memory: [],
  proxmox: PROXMOX_TENANT_RULES,
  libvirt: LIBVIRT_TENANT_RULES,
};

/** Checks a target's config against its kind's tenant rules. */
export interface TenantConfigPolicy {
  /**
   * Resolves when the target's config sets no operator setting; otherwise INVALID_ARGUMENT naming each field
   * (`config.hosts.0.uri`) and why, never a value. Run it on configs that passed their connector's schema.
   */
  check(target: ConnectorTarget): Promise<void>;
}

/**
 * The server's tenant policy. `allowOperatorSettings` (single-tenant deployments, where each organisation admin
 * is an operator) lets every config through.
 */
export function createTenantConfigPolicy(options: {
  readonly allowOperatorSettings: boolean;
}): TenantConfigPolicy {
  return {
    async check(target) {
      if (options.allowOperatorSettings) return;
      const rules = (TENANT_RULES as Readonly<Record<string, readonly TenantRule[]>>)[target.kind] ?? [];
      const config = target.config;
      if (rules.length === 0 || typeof config !== 'object' || config === null) return;
      const found = (await Promise.all(rules.map((rule) => rule(config as Record<string, unknown>)))).flat();
      if (found.length === 0) return;
      const seen = new Set<string>();
      const violations: FieldViolation[] = [];
      for (const { field, message } of found) {
        const key = `${field}\n${message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        violations.push({ field: `config.${field}`, message });
      }
      const list = violations.map((v) => `${v.field}: ${v.message}`).join('; ');
      throw new InvalidArgumentError(
        `target "${target.id}" sets what only the server's operator may (HVC_ALLOW_OPERATOR_SETTINGS): ${list}`,
        { violations },
      );
    },
  };
}

/** Wraps a resolver so a target is checked against `policy` after its connector's schema accepted it. */
export function enforceTenantPolicy(
  resolver: ConnectorResolver,
  policy: TenantConfigPolicy,
): ConnectorResolver {
  return {
    resolve: (targetKey, options) => resolver.resolve(targetKey, options),
    evict: (targetKey) => resolver.evict(targetKey),
    async validateTarget(target) {
      const valid = await resolver.validateTarget(target);
      await policy.check(target);
      return valid;
    },
  };
}
