import type { ConsoleRequest, ConsoleTicket } from '@hvc/hypervisor-connector';
import type { GuestRecord } from './guest-record.js';
import type { MemoryContext } from './memory-context.js';
import { stateConflict } from './memory-errors.js';
import { stateClause } from './power-transitions.js';

/** How long a memory console ticket is said to be valid. */
const TICKET_LIFETIME_MS = 10 * 60 * 1000;

/** The port each protocol's consoles are numbered from (plus the guest's number). */
const BASE_PORT = { vnc: 5900, spice: 61000, terminal: 5900 } as const;

/** The guest a console is opened on: an active (running or paused) one; CONFLICT for any other state. */
export function consoleGuest(context: MemoryContext, guestId: string): GuestRecord {
  const guest = context.state.guest(guestId, context.origin);
  if (guest.state !== 'running' && guest.state !== 'paused') {
    throw stateConflict(
      guest,
      `cannot open a console on guest ${guest.id}: ${stateClause(guest.state)} (a console needs a running guest)`,
      context.origin,
    );
  }
  return guest;
}

/**
 * A console ticket for an active (running or paused) guest; CONFLICT for any other state. Tickets and passwords
 * are random (they are secrets); `raw` holds neither.
 */
export function openMemoryConsole(
  context: MemoryContext,
  guestId: string,
  request: ConsoleRequest,
): ConsoleTicket {
  const guest = consoleGuest(context, guestId);
  const port = BASE_PORT[request.protocol] + guest.vmid;
  const expiresAt = new Date(context.clock.now() + TICKET_LIFETIME_MS).toISOString();
  return {
    protocol: request.protocol,
    guestId: guest.id,
    node: guest.node,
    ticket: `MEMORY:${randomToken()}`,
    ...(request.protocol === 'terminal' ? {} : { password: randomToken().slice(0, 12) }),
    port,
    user: 'memory@local',
    expiresAt,
    raw: { protocol: request.protocol, node: guest.node, port, expiresAt },
  };
}

function randomToken(): string {
  return globalThis.crypto.randomUUID().replaceAll('-', '');
}
