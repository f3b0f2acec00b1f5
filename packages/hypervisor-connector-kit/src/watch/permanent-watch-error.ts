import { isHypervisorError } from '@hvc/hypervisor-connector';

/**
 * Whether a failed listing ends a watch instead of being retried: UNAUTHENTICATED and PERMISSION_DENIED (polling
 * again cannot fix a credential) and an UNAVAILABLE marked not retryable (a closed connector, a refused TLS pin).
 * Anything else — a timeout, a lost connection, a hypervisor's 5xx — is a gap the watch backs off from and re-syncs
 * after.
 */
export function isPermanentWatchError(error: unknown): boolean {
  if (!isHypervisorError(error)) return false;
  return (
    error.code === 'UNAUTHENTICATED' ||
    error.code === 'PERMISSION_DENIED' ||
    (error.code === 'UNAVAILABLE' && !error.retryable)
  );
}
