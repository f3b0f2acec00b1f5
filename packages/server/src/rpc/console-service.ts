import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import type { ConsoleService } from '@hvc/client/v1';
import { InvalidArgumentError, UnsupportedOperationError } from '@hvc/hypervisor-connector';
import type { Clock } from '@hvc/hypervisor-connector-kit';
import { CONSOLE_PATH_PREFIX, CONSOLE_SUBPROTOCOL } from '../console/console-options.js';
import type { StreamQuota } from '../domain/stream-quota.js';
import { accessGuest, actorOf } from './access.js';
import type { ServiceDeps } from './service-deps.js';

/** How OpenConsole mints its tickets. */
export interface ConsoleServiceOptions {
  readonly ticketTtlMs: number;
  readonly clock: Clock;
  readonly publicUrl?: string;
  /** This replica's open consoles, by organisation: no ticket is minted while the caller's is full. */
  readonly sessions: StreamQuota;
}

/** How often a replica deletes expired tickets. */
const PURGE_EVERY_MS = 10 * 60_000;

/** `ws://host` or `wss://host` for the request's own URL. */
function websocketBase(requestUrl: string): string {
  const url = new URL(requestUrl);
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`;
}

/**
 * The console service: an operator of the guest's organisation mints a single-use ticket for the console proxy.
 * The guest and the target's `consoleStream.vnc` are checked; the hypervisor console is not opened until the
 * browser's WebSocket arrives (a hypervisor's own console ticket may only wait seconds). While the organisation or
 * this replica has no console session free it answers RESOURCE_EXHAUSTED, naming no other organisation's use (the
 * proxy checks again at the upgrade: the WebSocket may reach another replica, and sessions may open meanwhile).
 */
export function createConsoleService(
  deps: ServiceDeps,
  options: ConsoleServiceOptions,
): ServiceImpl<typeof ConsoleService> {
  let nextPurge = 0;
  /** Deletes expired tickets now and then, on a replica that mints anyway; concurrent purges are harmless. */
  const purgeNowAndThen = (now: number) => {
    if (now < nextPurge) return;
    nextPurge = now + PURGE_EVERY_MS;
    deps.store.consoleTickets.purgeExpired(new Date(now)).catch(() => {});
  };
  return {
    async openConsole(req, ctx) {
      const protocol = req.protocol === '' ? 'vnc' : req.protocol;
      if (protocol !== 'vnc') {
        throw new InvalidArgumentError(`the console proxy serves protocol "vnc", not "${protocol}"`, {
          violations: [{ field: 'protocol', message: 'must be "vnc"' }],
        });
      }
      const access = await accessGuest(deps, ctx, 'operate', req);
      if (!access.connector.capabilities.consoleStream?.includes('vnc')) {
        throw new UnsupportedOperationError('consoleStream.vnc', 'this target cannot stream a VNC console');
      }
      await access.connector.getGuest(access.guestId, { signal: ctx.signal });
      if (!options.sessions.hasRoom(access.organizationId)) {
        throw new ConnectError(
          'no console session is free for this organisation on this server; close a console or try again later',
          Code.ResourceExhausted,
        );
      }
      const now = options.clock.now();
      purgeNowAndThen(now);
      const { token, expiresAt } = await deps.store.consoleTickets.mint({
        organizationId: access.organizationId,
        targetId: access.targetId,
        guestId: access.guestId,
        protocol,
        actor: actorOf(access.principal),
        now: new Date(now),
        ttlMs: options.ticketTtlMs,
      });
      const path = [access.organizationId, access.targetId, access.guestId].map(encodeURIComponent).join('/');
      const base = (options.publicUrl ?? websocketBase(ctx.url)).replace(/\/+$/, '');
      return {
        url: `${base}${CONSOLE_PATH_PREFIX}${path}?ticket=${token}`,
        protocols: [CONSOLE_SUBPROTOCOL],
        expireTime: timestampFromDate(expiresAt),
        rfbVersion: '3.8',
      };
    },
  };
}
