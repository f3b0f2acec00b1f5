import { createHmac, randomBytes } from 'node:crypto';
import { bool, guestPathParams, int, type ParamSpecs, required, str } from '../params/param-spec.js';
import { type RouteContext, type RouteDef, route } from '../router/route.js';
import { cpuCount, maxDisk, maxMem, usage } from '../state/guest-metrics.js';
import type { PveGuestType } from '../state/model.js';
import { guestOf, TASK_TYPES } from './guest-context.js';
import { rrdSeries } from './rrd.js';

let nextPort = 5900;

/**
 * The VNC password of a `vncproxy` answer. qemu-server `src/PVE/API2/Qemu.pm` `vncproxy` (since commit 282ec11d)
 * makes one for every QEMU VNC console that is not a serial terminal (so whatever `websocket` and
 * `generate-password` say), with pve-common `src/PVE/Ticket.pm` `generate_vnc_password`: 8 characters from `!` to `` ` ``.
 */
function vncPassword(type: PveGuestType, kind: 'vnc' | 'term'): string | undefined {
  return kind === 'vnc' && type === 'qemu' ? generateVncPassword() : undefined;
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
  const password = vncPassword(type, kind);
  // qemu-server hands the password out inside the ticket as well; verify_vnc_ticket strips the 8-character prefix.
  const ticket = password === undefined ? vncTicket : `${password}:${vncTicket}`;
  const upid = env.tasks.start({
    node: g.node,
    type: TASK_TYPES[type].console,
    id: String(g.vmid),
    authid: ctx.who.authid,
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

/** Console proxies (`vncproxy`, `termproxy`) and `rrddata`. */
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
      `${base}/rrddata`,
      { ...p, timeframe: required(str({ enum: timeframes })), cf: str({ enum: ['AVERAGE', 'MAX'] }) },
      (ctx) => guestRrd(ctx, type),
    ),
  ];
}
