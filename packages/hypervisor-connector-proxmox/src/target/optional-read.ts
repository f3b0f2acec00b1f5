import { isHypervisorError } from '@hvc/hypervisor-connector';

/** What an optional read may fail with without failing the call. */
const OPTIONAL = ['PERMISSION_DENIED', 'UNSUPPORTED', 'NOT_FOUND'] as const;

/**
 * The `catch` of a read the call can do without (cluster status, permissions): a narrow credential may be denied
 * it, a single node has no cluster. Those failures become `undefined`; anything else is thrown.
 */
export function absentWhenDenied(error: unknown): undefined {
  if (OPTIONAL.some((code) => isHypervisorError(error, code))) return undefined;
  throw error;
}
