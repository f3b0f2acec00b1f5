import type { ConsoleStream } from '@hvc/hypervisor-connector';
import type { ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import { openRfbConsoleStream } from '@hvc/hypervisor-connector-kit/console';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { mapPveFailure } from '../errors/pve-error-mapping.js';
import { guestPreconditions } from '../guests/guest-preconditions.js';
import { guestCheck, guestPath, onGuest } from '../guests/guest-scope.js';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { PveConsoleProxySchema } from '../schemas/guests.js';
import { parseErrorBody } from '../transport/pve-response.js';
import { mapTransportError, nothingSent } from '../transport/transport-errors.js';
import { WebsocketClientDuplex } from './websocket-client-duplex.js';
import { upgradeToWebsocket, WebsocketRefusedError } from './websocket-upgrade.js';

/**
 * `openConsoleStream` for `vnc`, the way PVE's own noVNC console (pve-manager `www/manager6/VNCConsole.js` and
 * novnc-pve's `app.js`) opens one, for QEMU VMs and LXC containers alike:
 *
 * 1. the guest must be running or paused (CONFLICT otherwise: qemu-server's `qm vncproxy` would fail on a stopped VM
 *    only after the websocket is up, and pve-container's vncterm would show a dead console);
 * 2. `POST …/vncproxy` with `websocket=1` (qemu-server `src/PVE/API2/Qemu.pm`, pve-container
 *    `src/PVE/API2/LXC.pm`): a port, a `PVEVNC` ticket bound to user, guest and port, and the 8-character VNC
 *    `password` (also the ticket's prefix) that `qm vncproxy` sets on QEMU's display (`set_password`) or vncterm
 *    checks;
 * 3. `GET …/vncwebsocket?port=…&vncticket=…` upgraded to a websocket on the same API authentication (token header
 *    or ticket cookie), through the endpoint's pool so its TLS trust applies; pveproxy (pve-http-server
 *    `src/PVE/APIServer/AnyEvent.pm` `websocket_proxy`) then carries the bytes in binary frames;
 * 4. the kit's RFB client handshake with VNC authentication under that password.
 *
 * A refused upgrade is mapped like any API answer (401 UNAUTHENTICATED for an invalid ticket, 403
 * PERMISSION_DENIED without `VM.Console`). Neither the ticket nor the password appears in an error or a log line:
 * errors name the path without its query.
 */
export function consoleStreamMethods(
  pve: ProxmoxContext,
): Pick<ConnectorImplementation<PveGuestRef>, 'openConsoleStream'> {
  return {
    openConsoleStream: (ref, _request, { signal }) =>
      onGuest(pve, ref, signal, async (node): Promise<ConsoleStream> => {
        const path = guestPath(ref, node);
        await guestPreconditions.inState(
          guestCheck(pve, ref, node, signal),
          ['running', 'paused'],
          'open a console on',
        );
        const proxy = await pve.client.call(
          'POST',
          `${path}/vncproxy`,
          { websocket: true },
          PveConsoleProxySchema,
          { node, signal },
        );
        const socket = await openVncWebsocket(pve, node, path, proxy.port, proxy.ticket, signal);
        return openRfbConsoleStream(new WebsocketClientDuplex(socket), {
          // PVE answers the password on its own and as the ticket's prefix (`$ticket = "${password}:${ticket}"`);
          // VNC authentication uses only a password's first eight characters, so the ticket serves without it.
          password: proxy.password ?? proxy.ticket,
          ...(signal === undefined ? {} : { signal }),
          ...pve.origin,
        });
      }),
  };
}

/** The upgraded socket of `vncwebsocket`, on the guest's node first and the next endpoint when one cannot connect. */
function openVncWebsocket(
  pve: ProxmoxContext,
  node: string,
  path: string,
  port: number,
  ticket: string,
  signal: AbortSignal | undefined,
) {
  const apiPath = `${path}/vncwebsocket`;
  const query = `port=${port}&vncticket=${encodeURIComponent(ticket)}`;
  const { requestMs } = pve.config.timeouts;
  const target = pve.origin.target;
  return pve.endpoints.failover(
    node,
    async (endpoint) => {
      try {
        const headers = await pve.auth.headers(false, signal);
        const { socket } = await upgradeToWebsocket(endpoint.pool, {
          path: `/api2/json${apiPath}?${query}`,
          headers,
          timeoutMs: requestMs,
          signal,
        });
        return socket;
      } catch (error) {
        if (error instanceof WebsocketRefusedError) {
          throw mapPveFailure({
            status: error.status,
            reason: error.reason,
            body: parseErrorBody(error.body),
            method: 'GET',
            path: apiPath,
            ...(target === undefined ? {} : { target }),
          });
        }
        throw mapTransportError(error, { method: 'GET', path: apiPath, signal }, target, {
          requestTimeoutMs: requestMs,
          maxResponseBytes: pve.config.maxResponseBytes,
        });
      }
    },
    { nothingSent },
  );
}
