import type { TenantRule } from './tenant-rule.js';

const MiB = 1024 * 1024;

/** A number field of a config object, or undefined when absent or not a number. */
function numberAt(config: Readonly<Record<string, unknown>>, path: readonly string[]): number | undefined {
  let value: unknown = config;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'number' ? value : undefined;
}

/** A tenant may lower a budget field, never raise it above the connector's default. */
function atMostDefault(path: readonly string[], ceiling: number, cost: string): TenantRule {
  return (config) => {
    const value = numberAt(config, path);
    return value !== undefined && value > ceiling
      ? [{ field: path.join('.'), message: `above the default ${ceiling}: ${cost}` }]
      : [];
  };
}

/** A tenant may poll more slowly than the connector's default, never faster. */
function atLeastDefault(path: readonly string[], floor: number, cost: string): TenantRule {
  return (config) => {
    const value = numberAt(config, path);
    return value !== undefined && value < floor
      ? [{ field: path.join('.'), message: `below the default ${floor}: ${cost}` }]
      : [];
  };
}

/**
 * Proxmox VE settings a tenant may not set: budgets above the connector's defaults (the server's memory, sockets
 * and timers pay for them), a transport other than the server's own undici pool, and TLS that accepts any
 * certificate.
 */
export const PROXMOX_TENANT_RULES: readonly TenantRule[] = [
  atMostDefault(['maxResponseBytes'], 32 * MiB, 'each answer is held in the server’s memory'),
  atMostDefault(['concurrency'], 4, 'more of the server’s sockets and requests in flight'),
  atMostDefault(['readAttempts'], 3, 'more requests from the server per read'),
  atMostDefault(['timeouts', 'requestMs'], 30_000, 'holds the server’s sockets longer'),
  atMostDefault(['timeouts', 'connectMs'], 10_000, 'holds the server’s sockets longer'),
  atLeastDefault(['tasks', 'initialIntervalMs'], 500, 'more polls from the server per task'),
  atLeastDefault(['tasks', 'maxIntervalMs'], 2_000, 'more polls from the server per task'),
  (config) =>
    config.transport === undefined || config.transport === 'undici'
      ? []
      : [
          {
            field: 'transport',
            message:
              'only `undici`: another transport is the server process’s own fetch, outside its TLS settings',
          },
        ],
  (config) => {
    const tls = config.tls;
    const insecure =
      typeof tls === 'object' && tls !== null && (tls as { insecure?: unknown }).insecure === true;
    return insecure
      ? [{ field: 'tls.insecure', message: 'accepts any certificate; pin `tls.fingerprint` instead' }]
      : [];
  },
];
