import type { MessageInitShape } from '@bufbuild/protobuf';
import type { TestTargetConnectivityResponseSchema } from '@hvc/client/v1';
import { type HypervisorError, toHypervisorError } from '@hvc/hypervisor-connector';
import { abortableDelay } from '@hvc/hypervisor-connector-kit';
import type { ConnectorResolver } from '../connectors/connector-resolver.js';

type Answer = MessageInitShape<typeof TestTargetConnectivityResponseSchema>;

/** The one answer for a target that could not be reached, however it failed. */
const UNREACHABLE: Answer = {
  ok: false,
  errorCode: 'UNAVAILABLE',
  errorMessage: 'the target could not be reached',
};

/** Failures of the network path (refused, reset, timed out, TLS), as opposed to answers from the hypervisor. */
function unreachable(error: HypervisorError): boolean {
  return error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT' || error.code === 'CANCELLED';
}

/**
 * Connects to a target and describes it, within `windowMs`. A target that cannot be reached — a closed port that
 * refuses at once, a filtered one that never answers, a reset, a TLS failure — answers the same words after exactly
 * `windowMs`, so neither the answer nor its timing tells the caller which it was; the attempt is told to stop then,
 * and its answer is not waited for. A hypervisor that answers (with its version, or refusing the credentials) is
 * told as it is. The caller's own cancellation ends the call.
 */
export async function testConnectivity(
  resolver: ConnectorResolver,
  targetKey: string,
  windowMs: number,
  signal: AbortSignal,
): Promise<Answer> {
  const attempt = new AbortController();
  const attemptSignal = AbortSignal.any([signal, attempt.signal]);
  const answer = (async (): Promise<Answer> => {
    try {
      const connector = await resolver.resolve(targetKey, { signal: attemptSignal });
      const info = await connector.describe({ signal: attemptSignal });
      return {
        ok: true,
        version: info.version,
        clusterName: info.clusterName ?? '',
        nodes: info.nodes.map((n) => n.name),
      };
    } catch (error) {
      const failure = toHypervisorError(error);
      if (signal.aborted) throw failure;
      return unreachable(failure)
        ? UNREACHABLE
        : { ok: false, errorCode: failure.code, errorMessage: failure.message };
    }
  })();
  const windowEnds = abortableDelay(windowMs, signal);
  try {
    const first = await Promise.race([answer, windowEnds.then(() => UNREACHABLE)]);
    if (first !== UNREACHABLE) return first;
    // Unreachable, early or late: answered when the window ends, never sooner.
    await windowEnds;
    return UNREACHABLE;
  } finally {
    attempt.abort();
    answer.catch(() => {});
    windowEnds.catch(() => {});
  }
}
