import {
  AlreadyExistsError,
  ConflictError,
  type FieldViolation,
  type HypervisorError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
  UnsupportedOperationError,
} from '@hvc/hypervisor-connector';
import type { PveErrorBody } from '../schemas/envelope.js';

/** What the connector knows about a failed PVE response. */
export interface PveFailure {
  readonly status: number;
  /** The HTTP reason phrase (PVE puts the error text there). */
  readonly reason?: string;
  readonly body?: PveErrorBody;
  readonly method: string;
  /** The API path, without the `/api2/json` prefix. */
  readonly path: string;
  readonly target?: string;
}

/**
 * Includes qemu-server `QemuConfig.pm` `assert_config_exists_on_node` (`unable to find configuration file for VM <id>
 * on node '<node>'`), which reset, reboot, suspend, resume, clone, stop and shutdown of a VM raise on a node the VM is
 * not on.
 */
const NOT_FOUND =
  /does not exist|no such (cluster )?(task|vm|ct|node|snapshot|storage|volume|pool|user|token)|not found|unable to find configuration file for (VM|CT) \d+/i;
const ALREADY_EXISTS = /already exists|already used|config file already exists/i;
const LOCKED = /\b(VM|CT) is locked\b|can't lock file|cannot lock file|got timeout waiting for lock/i;
const WRONG_STATE =
  /\bnot running\b|\bis running\b|already running|protection mode|is paused|is a template|checksum mismatch|detected modified configuration|can't migrate running|is not online/i;
const TRANSIENT =
  /got no worker upid|start worker failed|proxy loop detected|too many redirections|connection (refused|reset|timed out)/i;
/**
 * No quorum: pve-cluster `PVE::Cluster::check_cfs_quorum` (`cluster not ready - no quorum?`, raised before any task
 * is forked), `$cfs_lock` (`cfs-lock '<name>' error: no quorum!`), and a config write refused by the read-only
 * `/etc/pve` (pve-common `PVE::File::file_set_contents`: `unable to open file '/etc/pve/….tmp.<pid>' - Permission
 * denied`). Nothing was changed; the cluster answers again once quorum is back.
 */
const NO_QUORUM = /no quorum|unable to open file '\/etc\/pve\/[^']*' - Permission denied/i;
const PERMISSION = /Permission check failed \(([^,)]+)(?:,\s*([^)]+))?\)/;

/** The human text of a PVE error: `body.message`, else the reason phrase, else the status. */
function pveErrorMessage(failure: Pick<PveFailure, 'status' | 'reason' | 'body'>): string {
  const text = failure.body?.message?.trim() || failure.reason?.trim();
  return text || `HTTP ${failure.status}`;
}

/**
 * Maps a failed PVE response to the contract's error codes: 404 or "does not exist" → NOT_FOUND, "already
 * exists" → ALREADY_EXISTS, locks → CONFLICT (retryable), wrong state → CONFLICT, 595/596/597/599 and "got no
 * worker upid" → UNAVAILABLE, lost quorum → UNAVAILABLE (retryable), 401 → UNAUTHENTICATED, 403 →
 * PERMISSION_DENIED with the privilege, 400 →
 * INVALID_ARGUMENT with a violation per field. The error text never holds request parameters.
 */
export function mapPveFailure(failure: PveFailure): HypervisorError {
  const message = pveErrorMessage(failure);
  const details = { status: failure.status, method: failure.method, path: failure.path };
  const options = { details, ...(failure.target === undefined ? {} : { target: failure.target }) };
  const { status } = failure;

  if (status === 400) {
    const errors = failure.body?.errors ?? {};
    const violations: FieldViolation[] = Object.entries(errors).map(([field, text]) => ({
      field,
      message: text.trim(),
    }));
    const summary = violations.map((v) => `${v.field}: ${v.message}`).join('; ');
    if (violations.some((v) => ALREADY_EXISTS.test(v.message))) {
      return new AlreadyExistsError(summary, options);
    }
    if (violations.some((v) => /^no such task$/.test(v.message))) return new NotFoundError(summary, options);
    return new InvalidArgumentError(summary ? `${message}: ${summary}` : message, { ...options, violations });
  }
  if (status === 401) return new UnauthenticatedError(message, options);
  if (status === 403) {
    const match = PERMISSION.exec(message);
    const privilege = match?.[2]?.trim();
    return new PermissionDeniedError(message, {
      ...options,
      details: { ...details, ...(match ? { aclPath: match[1] } : {}), ...(privilege ? { privilege } : {}) },
    });
  }
  if (status === 404) return new NotFoundError(message, options);
  if (status === 501) return new UnsupportedOperationError('raw', message, options);
  if (status >= 596 && status <= 599 && failure.method !== 'GET') {
    // pveproxy's hop to pvedaemon or to the node broke once the request was sent (596 sending or waiting for the
    // answer, 597 reading it, 599 other; pve-http-server `PVE::APIServer::AnyEvent::proxy_request`): the write may
    // have been made, and a task started.
    return new UnavailableError(`${message}; the change may have been applied`, {
      ...options,
      mayHaveBeenApplied: true,
      details: { ...details, reason: 'proxy-after-send' },
    });
  }
  if (status >= 590 || status === 502 || status === 503 || status === 504 || status === 429) {
    return new UnavailableError(message, options);
  }
  return mapPveMessage(message, options);
}

/**
 * Maps the text of a PVE error (a 500 reason, or a task's exit status) by what it says. Unknown texts are
 * INTERNAL.
 */
function mapPveMessage(
  message: string,
  options: { details?: Readonly<Record<string, unknown>>; target?: string; operationId?: string } = {},
): HypervisorError {
  if (NO_QUORUM.test(message)) {
    return new UnavailableError(message, {
      ...options,
      retryable: true,
      details: { ...options.details, reason: 'no-quorum' },
    });
  }
  if (ALREADY_EXISTS.test(message)) return new AlreadyExistsError(message, options);
  if (NOT_FOUND.test(message)) return new NotFoundError(message, options);
  if (LOCKED.test(message)) return new ConflictError(message, { ...options, retryable: true });
  if (WRONG_STATE.test(message)) return new ConflictError(message, { ...options, retryable: false });
  if (TRANSIENT.test(message)) return new UnavailableError(message, options);
  return new InternalError(message, options);
}
