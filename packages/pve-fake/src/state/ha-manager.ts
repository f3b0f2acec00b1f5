import type { FakeEnv } from '../fake-env.js';
import type { HaResource, PveGuestState } from './model.js';

/** What an HA request asks the manager to do. */
export type HaRequest =
  | { readonly kind: 'start' }
  | { readonly kind: 'stop'; readonly shutdown: boolean }
  | { readonly kind: 'migrate'; readonly target: string };

const TASK = { start: 'hastart', stop: 'hastop', migrate: 'hamigrate' } as const;
const WORD = (g: PveGuestState) => (g.type === 'qemu' ? 'VM' : 'CT');

/** Whether PVE routes the guest's start, stop, shutdown and migrate through the HA manager (`vm_is_ha_managed`). */
export function haManaged(g: PveGuestState): g is PveGuestState & { ha: HaResource } {
  return g.ha !== undefined && g.ha.state !== 'ignored';
}

/**
 * An HA request, as qemu-server `src/PVE/API2/Qemu.pm` `vm_start`/`vm_stop`/`vm_shutdown`/`migrate_vm` (and
 * pve-container's) make it for an HA-managed guest: a `hastart`/`hastop`/`hamigrate` task that only runs
 * `ha-manager set|crm-command|migrate …` and ends `OK` once the request is queued. The CRM and the LRM act later
 * (pve-ha-manager `PVE/HA/Manager.pm`, `PVE/HA/Resources/PVEVM.pm`): after `haConvergeMs` the LRM runs the real
 * `qmstart`/`qmshutdown`/`qmigrate` task as `root@pam` (first log line `task started by HA resource agent`), or, for a
 * resource whose `fails` is set, the service goes to `error` and nothing changes.
 */
export function haRequest(
  env: FakeEnv,
  g: PveGuestState & { ha: HaResource },
  request: HaRequest,
  authid: string,
): string {
  return env.tasks.start({
    node: g.node,
    type: TASK[request.kind],
    id: String(g.vmid),
    authid,
    finish: (log) => {
      if (request.kind === 'start') {
        log(`Requesting HA start for ${WORD(g)} ${g.vmid}`);
        g.ha.state = 'started';
        g.ha.managerState = 'request_start';
      } else if (request.kind === 'stop') {
        log(`Requesting HA stop for ${WORD(g)} ${g.vmid}`);
        g.ha.state = 'stopped';
        g.ha.managerState = 'request_stop';
      } else {
        log(`Requesting HA migration for ${WORD(g)} ${g.vmid} to node ${request.target}`);
        g.ha.managerState = 'migrate';
      }
      setTimeout(() => converge(env, g, request), env.haConvergeMs).unref();
    },
  });
}

/** The LRM carrying the request out. */
function converge(env: FakeEnv, g: PveGuestState & { ha: HaResource }, request: HaRequest): void {
  if (env.cluster.guests.get(g.vmid) !== g) return;
  if (g.ha.fails) {
    g.ha.managerState = 'error';
    return;
  }
  const prefix = g.type === 'qemu' ? 'qm' : 'vz';
  const type =
    request.kind === 'start'
      ? `${prefix}start`
      : request.kind === 'migrate'
        ? g.type === 'qemu'
          ? 'qmigrate'
          : 'vzmigrate'
        : request.shutdown
          ? `${prefix}shutdown`
          : `${prefix}stop`;
  env.tasks.start({
    node: g.node,
    type,
    id: String(g.vmid),
    authid: 'root@pam',
    begin: (log) => log('task started by HA resource agent'),
    finish: () => {
      if (request.kind === 'start') {
        g.status = 'running';
        g.qmpstatus = 'running';
        g.startedAt = env.clock.nowSeconds();
        g.pid = 10_000 + Math.floor(Math.random() * 900_000);
        g.ha.managerState = 'started';
      } else if (request.kind === 'stop') {
        g.status = 'stopped';
        g.qmpstatus = 'stopped';
        g.startedAt = undefined;
        g.pid = undefined;
        g.ha.managerState = 'stopped';
      } else {
        g.node = request.target;
        g.ha.managerState = g.ha.state === 'stopped' ? 'stopped' : 'started';
      }
    },
  });
}
