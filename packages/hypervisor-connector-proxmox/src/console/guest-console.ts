import type { ConsoleTicket } from '@hvc/hypervisor-connector';
import type { ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { guestPath, onGuest } from '../guests/guest-scope.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { PveConsoleProxySchema } from '../schemas/guests.js';

/**
 * A VNC (`vncproxy`) or terminal (`termproxy`) console: the ticket and port PVE hands out, and the websocket URL on
 * the guest's own node that a client opens with them. Only ticket auth can open it; the capabilities say so.
 */
export function consoleMethods(
  pve: ProxmoxContext,
): Pick<ConnectorImplementation<PveGuestRef>, 'openConsole'> {
  return {
    openConsole: (ref, { protocol }, { signal }) =>
      onGuest(pve, ref, signal, async (node): Promise<ConsoleTicket> => {
        const path = guestPath(ref, node);
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
          raw: rest,
        };
      }),
  };
}
