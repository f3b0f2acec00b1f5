import type { Duplex } from 'node:stream';
import { serveSmallRfb } from '@hvc/hypervisor-connector-kit/console';
import type { FakeEnv } from '../fake-env.js';
import type { PveGuestType } from '../state/model.js';
import type { ConsoleSession } from './console-listeners.js';
import { pveproxyWebsocket } from './pveproxy-websocket.js';

/**
 * The fake display's size: small, so that a full Raw update stays a few KiB (a real one is the guest's VGA mode).
 */
const FRAMEBUFFER = { width: 64, height: 48 } as const;

/**
 * The VNC server behind a `vncproxy` websocket. For a VM that is qemu-server's `qm vncproxy` (`src/PVE/CLI/qm.pm`):
 * it sets the VNC password on QEMU's display (`set_password`, refused by a VM that is not running, which ends the
 * proxy and so the connection) and bridges QEMU's VNC socket, whose RFB then asks for VNC authentication with that
 * password. For a container it is vncterm started with `-notls` and the password in `PVE_VNC_TICKET` (pve-container
 * `src/PVE/API2/LXC.pm`), which asks for it the same way. The kit's small RFB server stands in for both displays:
 * RFB 3.8, VNC authentication, a black framebuffer named after the guest.
 */
export function vncSession(env: FakeEnv, type: PveGuestType, vmid: number, password: string): ConsoleSession {
  return (websocket: Duplex) => {
    const guest = env.cluster.guests.get(vmid);
    if (guest === undefined || guest.type !== type || guest.status !== 'running') {
      // `qm vncproxy` dies (`VM <vmid> not running`) and pveproxy drops the connection (`client_do_disconnect`).
      websocket.destroy();
      return;
    }
    void serveSmallRfb(pveproxyWebsocket(websocket), {
      ...FRAMEBUFFER,
      name: String(guest.config.name ?? guest.config.hostname ?? vmid),
      password,
    });
  };
}

/**
 * A proxy whose protocol the fake does not speak — `termproxy`'s own framing, or vncterm behind TLS (a container's
 * `vncproxy` without `websocket`) — accepts the connection and carries nothing.
 */
export function silentSession(): ConsoleSession {
  return (websocket: Duplex) => {
    websocket.on('error', () => websocket.destroy());
    websocket.resume();
  };
}
