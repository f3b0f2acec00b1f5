import { createHmac, randomBytes } from 'node:crypto';
import type { ConsoleSession } from '../console/console-listeners.js';
import { silentSession, vncSession } from '../console/vnc-session.js';
import type { FakeEnv } from '../fake-env.js';
import { bool, guestPathParams, int, type ParamSpecs, required, str } from '../params/param-spec.js';
import { PveError } from '../pve-error.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { cpuCount, maxDisk, maxMem, usage } from '../state/guest-metrics.js';
import type { PveGuestType } from '../state/model.js';
import { guestOf, TASK_TYPES } from './guest-context.js';
import { rrdSeries } from './rrd.js';

let nextPort = 5900;

/** What a VNC ticket was made for: pve-access-control `assemble_vnc_ticket` binds it to user, `/vms/<id>` and port. */
interface IssuedVncTicket {
  readonly authid: string;
  readonly vmid: number;
  readonly port: number;
  /** When it was made (s since epoch): pve-access-control `verify_vnc_ticket` accepts it from 20 s before to 40 s after. */
  readonly issuedAt: number;
  /** Whether a client attached through `vncwebsocket` within the proxy's wait. */
  attached: boolean;
}

/**
 * How long a console proxy waits for its client: qemu-server `Qemu.pm` and pve-container `LXC.pm` `vncproxy` /
 * `termproxy` run the proxy under `timeout 10` (and `vncterm -timeout 10`), so a proxy nobody attaches to within
 * 10 s ends its task with `connection timed out`.
 */
const PROXY_WAIT_MS = 10_000;

/** pve-access-control `AccessControl.pm` `$verify_short_lived_ticket`: `verify_rsa_ticket(…, -20, 40)`. */
const TICKET_MIN_AGE_S = -20;
const TICKET_MAX_AGE_S = 40;

/** The VNC tickets each fake handed out, by ticket (without the password prefix). */
const issuedTickets = new WeakMap<FakeEnv, Map<string, IssuedVncTicket>>();

function ticketsOf(env: FakeEnv): Map<string, IssuedVncTicket> {
  let tickets = issuedTickets.get(env);
  if (!tickets) {
    tickets = new Map();
    issuedTickets.set(env, tickets);
  }
  return tickets;
}

/**
 * `GET …/vncwebsocket`: qemu-server `Qemu.pm` and pve-container `LXC.pm` `vncwebsocket` check `VM.Console` and the
 * ticket with pve-access-control `AccessControl.pm` `verify_vnc_ticket`, which strips an 8-character password prefix
 * and fails `permission denied - invalid PVEVNC ticket` (401, pve-common `Ticket.pm` `verify_rsa_ticket`) for a
 * ticket of another user, guest or port, or one older than 40 s; pveproxy then connects to the proxy's port and
 * upgrades the connection (the HTTPS server does that here, `websocket-upgrade.ts`). Answering the call attaches
 * nothing: only that connection does.
 */
function vncWebsocket(ctx: RouteContext, type: PveGuestType): Record<string, unknown> {
  const g = guestOf(ctx, type);
  ctx.env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Console']);
  const given = String(ctx.params.vncticket);
  const ticket = /^.{8}:(PVEVNC:.*)$/s.exec(given)?.[1] ?? given;
  const issued = ticketsOf(ctx.env).get(ticket);
  const port = Number(ctx.params.port);
  const age = ctx.env.clock.nowSeconds() - (issued?.issuedAt ?? 0);
  if (
    !issued ||
    issued.authid !== ctx.who.authid ||
    issued.vmid !== g.vmid ||
    issued.port !== port ||
    age < TICKET_MIN_AGE_S ||
    age > TICKET_MAX_AGE_S
  ) {
    throw new PveError(401, 'permission denied - invalid PVEVNC ticket');
  }
  return { port: String(port) };
}

/**
 * The VNC password of a `vncproxy` answer. qemu-server `src/PVE/API2/Qemu.pm` `vncproxy` (since commit 282ec11d)
 * makes one for every QEMU VNC console that is not a serial terminal (so whatever `websocket` and
 * `generate-password` say); pve-container `src/PVE/API2/LXC.pm` `vncproxy` only with `websocket`. Both use pve-common
 * `src/PVE/Ticket.pm` `generate_vnc_password`: 8 characters from `!` to `` ` ``.
 */
function vncPassword(type: PveGuestType, kind: 'vnc' | 'term', websocket: boolean): string | undefined {
  if (kind !== 'vnc') return undefined;
  return type === 'qemu' || websocket ? generateVncPassword() : undefined;
}

function generateVncPassword(): string {
  return [...randomBytes(8)].map((b) => String.fromCharCode(0x21 + (b % 0x40))).join('');
}

function proxy(ctx: RouteContext, type: PveGuestType, kind: 'vnc' | 'term'): Record<string, unknown> {
  const env = ctx.env;
  const g = guestOf(ctx, type);
  env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Console']);
  const port = String(nextPort);
  nextPort = nextPort >= 5999 ? 5900 : nextPort + 1;
  const t = env.clock.nowSeconds().toString(16).toUpperCase().padStart(8, '0');
  const vncTicket = `PVEVNC:${t}::${createHmac('sha256', randomBytes(16)).update(`${g.vmid}`).digest('base64')}`;
  const password = vncPassword(type, kind, ctx.params.websocket === true);
  // qemu-server hands the password out inside the ticket as well; verify_vnc_ticket strips the 8-character prefix.
  const ticket = password === undefined ? vncTicket : `${password}:${vncTicket}`;
  const issued: IssuedVncTicket = {
    authid: ctx.who.authid,
    vmid: g.vmid,
    port: Number(port),
    issuedAt: env.clock.nowSeconds(),
    attached: false,
  };
  ticketsOf(env).set(vncTicket, issued);
  // The proxy listens on its port for one connection, which pveproxy opens for the client's websocket.
  const serve =
    kind === 'vnc' && password !== undefined ? vncSession(env, type, g.vmid, password) : silentSession();
  const session: ConsoleSession = (websocket) => {
    issued.attached = true;
    serve(websocket);
  };
  env.consoles.listen(Number(port), session);
  // The task lives while the proxy waits (and, in PVE, while its client stays); without a client it times out.
  const upid = env.tasks.start({
    node: g.node,
    type: TASK_TYPES[type].console,
    id: String(g.vmid),
    authid: ctx.who.authid,
    durationMs: PROXY_WAIT_MS,
    finish: () => {
      env.consoles.close(Number(port), session);
      if (!issued.attached) throw new PveError(500, 'connection timed out');
    },
  });
  const out: Record<string, unknown> = { user: ctx.who.authid, ticket, port, upid };
  if (kind === 'vnc') {
    out.cert = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
    if (password !== undefined) out.password = password;
  }
  return out;
}

function guestRrd(ctx: RouteContext, type: PveGuestType): unknown[] {
  const env = ctx.env;
  const g = guestOf(ctx, type);
  env.perms.check(ctx.who, `/vms/${g.vmid}`, ['VM.Audit']);
  const u = usage(g, env.clock.nowSeconds());
  return rrdSeries(env.clock.nowSeconds(), String(ctx.params.timeframe), (i) => ({
    cpu: u.cpu,
    maxcpu: cpuCount(g),
    mem: u.mem,
    maxmem: maxMem(g),
    disk: u.disk,
    maxdisk: maxDisk(g),
    netin: g.status === 'running' ? 1000 + i : 0,
    netout: g.status === 'running' ? 800 + i : 0,
    diskread: g.status === 'running' ? 4096 : 0,
    diskwrite: g.status === 'running' ? 2048 : 0,
  }));
}

/** Console proxies (`vncproxy`, `termproxy`), the console websocket (`vncwebsocket`) and `rrddata`. */
export function consoleRoutes(type: PveGuestType): RouteDef[] {
  const base = `/nodes/{node}/${type}/{vmid}`;
  const p = guestPathParams;
  const vncParams: ParamSpecs =
    type === 'qemu'
      ? { ...p, websocket: bool(), 'generate-password': bool() }
      : {
          ...p,
          websocket: bool(),
          width: int({ minimum: 16, maximum: 4096 }),
          height: int({ minimum: 16, maximum: 2160 }),
        };
  const termParams: ParamSpecs =
    type === 'qemu'
      ? { ...p, serial: str({ enum: ['serial0', 'serial1', 'serial2', 'serial3'] }) }
      : { ...p };
  const timeframes = ['hour', 'day', 'week', 'month', 'year'];
  return [
    route('POST', `${base}/vncproxy`, vncParams, (ctx) => proxy(ctx, type, 'vnc')),
    route('POST', `${base}/termproxy`, termParams, (ctx) => proxy(ctx, type, 'term')),
    route(
      'GET',
      `${base}/vncwebsocket`,
      {
        ...p,
        vncticket: required(str({ maxLength: 512 })),
        port: required(int({ minimum: 5900, maximum: 5999 })),
      },
      (ctx) => vncWebsocket(ctx, type),
    ),
    route(
      'GET',
      `${base}/rrddata`,
      { ...p, timeframe: required(str({ enum: timeframes })), cf: str({ enum: ['AVERAGE', 'MAX'] }) },
      (ctx) => guestRrd(ctx, type),
    ),
  ];
}
