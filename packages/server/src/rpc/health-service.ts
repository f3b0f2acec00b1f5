import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { abortableDelay } from '@hvc/hypervisor-connector-kit';
import { type Health, HealthCheckResponse_ServingStatus as Status } from '../gen/grpc/health/v1/health_pb.js';

/** How often a health watch re-reads the state. */
const WATCH_INTERVAL_MS = 5_000;

/**
 * `grpc.health.v1.Health`: SERVING while `ready()` says so, NOT_SERVING otherwise, for the whole server (`""`) and
 * for each service in `services`; NOT_FOUND for any other name. It needs no token, so probes can call it.
 */
export function createHealthService(
  services: readonly string[],
  ready: () => boolean,
): ServiceImpl<typeof Health> {
  const known = new Set(['', ...services]);
  const status = () => (ready() ? Status.SERVING : Status.NOT_SERVING);
  return {
    check(req) {
      if (!known.has(req.service)) throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
      return { status: status() };
    },
    async *watch(req, ctx) {
      if (!known.has(req.service)) {
        yield { status: Status.SERVICE_UNKNOWN };
        return;
      }
      let last = status();
      yield { status: last };
      while (!ctx.signal.aborted) {
        await abortableDelay(WATCH_INTERVAL_MS, ctx.signal).catch(() => undefined);
        const now = status();
        if (now !== last && !ctx.signal.aborted) {
          last = now;
          yield { status: now };
        }
      }
    },
  };
}
