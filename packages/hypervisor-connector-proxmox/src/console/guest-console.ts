import type { ConsoleTicket } from '@hvc/hypervisor-connector';
import type { ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { guestPath, onGuest } from '../guests/guest-scope.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { PveConsoleProxySchema } from '../schemas/guests.js';

/**
 * How long PVE's proxy task waits for the client's websocket before it ends `connection timed out` (qemu-server
 * `Qemu.pm` and pve-container `LXC.pm` `vncproxy`/`termproxy`: `my $timeout = 10`); the ticket itself lives 40 s.
 */
const ATTACH_DEADLINE_MS = 10_000;

/**
 * A VNC (`vncproxy`) or terminal (`termproxy`) console: the ticket and port PVE hands out, and the websocket URL on
 * the guest's own node that a client opens with them: `websocketUrl` names the port, and the client adds
 * `&vncticket=<encodeURIComponent(ticket)>` (the ticket is kept out of the URL, which may be logged). The ticket is
 * PVE's as it is: a QEMU VNC ticket carries the VNC password as an 8-character prefix, which PVE's check strips.
 * `expiresAt` is when the proxy stops waiting for the client. Only ticket auth can open it; the capabilities say so.
 */
export function consoleMethods(
  pve: ProxmoxContext,
): Pick<ConnectorImplementation<PveGuestRef>, 'openConsole'> {
  return {
    openConsole: (ref, { protocol }, { signal }) =>
      onGuest(pve, ref, signal, async (node): Promise<ConsoleTicket> => {
        const path = guestPath(ref, node);
        const requestedAt = Date.now();
        const proxy = await pve.client.call(
          'POST',
          `${path}/${protocol === 'vnc' ? 'vncproxy' : 'termproxy'}`,
          protocol === 'vnc' ? { websocket: true } : undefined,
          PveConsoleProxySchema,
          { node, signal },
        );
        const { ticket, password, ...rest } = proxy;
        const origin = pve.endpoints.order(node)[0]?.url ?? '';
        return {
          protocol,
          guestId: ref.id,
          node,
          ticket,
          ...(password ? { password } : {}),
          port: proxy.port,
          websocketUrl: `${origin.replace(/^https:/, 'wss:')}/api2/json${path}/vncwebsocket?port=${proxy.port}`,
          ...(proxy.user ? { user: proxy.user } : {}),
          expiresAt: new Date(requestedAt + ATTACH_DEADLINE_MS).toISOString(),
          raw: rest,
        };
      }),
  };
}
