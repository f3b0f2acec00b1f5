import type { ServiceImpl } from '@connectrpc/connect';
import type { GuestEventService } from '@hvc/client/v1';
import { guestEventToProto, heartbeatMessage } from '../wire/guest-event.js';
import { guestFilterFromProto } from '../wire/guest-filter.js';
import { answersInBinary } from '../wire/wire-format.js';
import { accessTarget } from './access.js';
import { HEARTBEAT, watchGuestEvents } from './guest-event-watch.js';
import type { ServiceDeps } from './service-deps.js';
import { viewRecheck } from './view-recheck.js';

/** Options of the guest event service. */
export interface GuestEventServiceOptions {
  /** How often an open watch checks again that its caller may still see the target, ms (default 5 s). */
  readonly recheckEveryMs?: number;
  /** How often a watch sends a heartbeat, ms (default 15 s). */
  readonly heartbeatMs?: number;
}

/** The guest event service: viewers watch the guests of a target change. */
export function createGuestEventService(
  deps: ServiceDeps,
  options: GuestEventServiceOptions = {},
): ServiceImpl<typeof GuestEventService> {
  return {
    async *watchGuests(req, ctx) {
      const filter = guestFilterFromProto(req.filter);
      const access = await accessTarget(deps, ctx, 'view', req);
      const { connector, targetId } = access;
      const binary = answersInBinary(ctx);
      const recheck = viewRecheck(deps, access, options.recheckEveryMs ?? 5_000);
      for await (const event of watchGuestEvents(connector, filter, ctx.signal, {
        heartbeatMs: options.heartbeatMs ?? 15_000,
        recheck,
      })) {
        yield event === HEARTBEAT ? heartbeatMessage(Date.now()) : guestEventToProto(event, targetId, binary);
      }
    },
  };
}
