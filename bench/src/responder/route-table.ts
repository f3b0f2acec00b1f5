import type { FleetGuest, GuestFleet } from './guest-fleet.js';
import {
  clusterResourcesBody,
  clusterResourcesNodeBody,
  clusterResourcesVmBody,
  clusterStatusBody,
  envelope,
  guestStatusBody,
  nodeGuestListBody,
  nodesBody,
  taskListItem,
  taskLogBody,
  taskStatusBody,
  versionBody,
} from './pve-bodies.js';
import type { TaskRegistry } from './task-registry.js';

/** What the responder sends back: a status, its reason phrase and a body serialised in advance where possible. */
export interface RouteAnswer {
  readonly status: number;
  readonly reason?: string;
  readonly body: Buffer;
  /** The kind of request, for the responder's counters. */
  readonly kind: RouteKind;
}

/** The kinds of request the responder counts separately. */
export type RouteKind =
  | 'guest-status'
  | 'guest-list'
  | 'cluster'
  | 'action'
  | 'task-status'
  | 'task-log'
  | 'task-list'
  | 'unknown';

const API = '/api2/json';
const GUEST_PATH = /^\/api2\/json\/nodes\/([^/]+)\/(qemu|lxc)\/(\d+)\/(status\/current|config|pending)$/;
const ACTION_PATH =
  /^\/api2\/json\/nodes\/([^/]+)\/(qemu|lxc)\/(\d+)\/status\/(start|stop|shutdown|reboot|reset|suspend|resume)$/;
const TASK_LIST_PATH = /^\/api2\/json\/nodes\/([^/?]+)\/tasks(?:\?(.*))?$/;
const TASK_PATH = /^\/api2\/json\/nodes\/([^/]+)\/tasks\/([^/]+)\/(status|log)$/;
const TASK_TYPES: Record<string, Record<string, string>> = {
  qemu: {
    start: 'qmstart',
    stop: 'qmstop',
    shutdown: 'qmshutdown',
    reboot: 'qmreboot',
    reset: 'qmreset',
    suspend: 'qmpause',
    resume: 'qmresume',
  },
  lxc: {
    start: 'vzstart',
    stop: 'vzstop',
    shutdown: 'vzshutdown',
    reboot: 'vzreboot',
    suspend: 'vzsuspend',
    resume: 'vzresume',
  },
};

/**
 * Routes PVE requests to answers. GETs of the fleet's static resources are one `Map` lookup on the request
 * line; guest status bodies are built on first use and then cached the same way; tasks are answered by the clock.
 */
export class RouteTable {
  private readonly staticGets = new Map<string, RouteAnswer>();
  private readonly guestsByVmid = new Map<number, FleetGuest>();

  constructor(
    fleet: GuestFleet,
    private readonly tasks: TaskRegistry,
  ) {
    for (const guest of fleet.guests) this.guestsByVmid.set(guest.vmid, guest);
    const vms = clusterResourcesVmBody(fleet);
    this.addGet('/cluster/resources?type=vm', vms, 'guest-list');
    this.addGet('/cluster/resources', clusterResourcesBody(fleet), 'guest-list');
    this.addGet('/cluster/resources?type=node', clusterResourcesNodeBody(fleet), 'guest-list');
    this.addGet('/cluster/status', clusterStatusBody(fleet), 'cluster');
    this.addGet('/nodes', nodesBody(fleet), 'cluster');
    this.addGet('/version', versionBody(), 'cluster');
    for (const node of fleet.nodes) {
      for (const type of ['qemu', 'lxc'] as const) {
        const body = nodeGuestListBody(fleet, node, type);
        this.addGet(`/nodes/${node}/${type}`, body, 'guest-list');
        this.addGet(`/nodes/${node}/${type}?full=1`, body, 'guest-list');
      }
    }
  }

  private addGet(path: string, body: Buffer, kind: RouteKind): void {
    this.staticGets.set(`${API}${path}`, { status: 200, body, kind });
  }

  /** The answer to `method url`. */
  answer(method: string, url: string, now: number): RouteAnswer {
    if (method === 'GET') {
      const cached = this.staticGets.get(url);
      if (cached) return cached;
      return this.dynamicGet(url, now);
    }
    if (method === 'POST') {
      const match = ACTION_PATH.exec(url);
      if (match)
        return this.startAction(
          match[1] as string,
          match[2] as string,
          match[3] as string,
          match[4] as string,
        );
    }
    return notImplemented(method, url);
  }

  private dynamicGet(url: string, now: number): RouteAnswer {
    const guestMatch = GUEST_PATH.exec(url);
    if (guestMatch) {
      const [, node, type, vmid, what] = guestMatch as unknown as [string, string, string, string, string];
      const guest = this.guestsByVmid.get(Number(vmid));
      if (!guest || guest.node !== node || guest.type !== type) return missingGuest(node, type, vmid);
      const answer: RouteAnswer = {
        status: 200,
        body:
          what === 'config'
            ? envelope(guestConfig(guest))
            : what === 'pending'
              ? guestPendingBody(guest)
              : guestStatusBody(guest),
        kind: 'guest-status',
      };
      this.staticGets.set(url, answer);
      return answer;
    }
    const taskMatch = TASK_PATH.exec(url);
    if (taskMatch) {
      const upid = decodeURIComponent(taskMatch[2] as string);
      if (taskMatch[3] === 'log') return { status: 200, body: taskLogBody(), kind: 'task-log' };
      const task = this.tasks.poll(upid);
      if (!task)
        return {
          status: 400,
          reason: 'Parameter verification failed.',
          body: NO_SUCH_TASK,
          kind: 'task-status',
        };
      const ended = this.tasks.ended(task, now);
      return {
        status: 200,
        body: taskStatusBody(task.upid, task.node, task.type, task.id, ended),
        kind: 'task-status',
      };
    }
    const listMatch = TASK_LIST_PATH.exec(url);
    if (listMatch) return this.taskList(listMatch[1] as string, new URLSearchParams(listMatch[2] ?? ''), now);
    return notImplemented('GET', url);
  }

  /**
   * `GET /nodes/{node}/tasks` as pve-manager `PVE/API2/Tasks.pm` `node_tasks` answers it for the responder's tasks:
   * `source` (`archive` by default, `active`, `all`), `vmid`, `since` and `until` (on the UPID's start time),
   * `start` and `limit` (default 50); the running tasks first (`RUNNING`), then the ended ones newest first, each with
   * its exit status `OK` and `endtime`. How a client checks that no task holds a guest, and how it learns how tasks
   * ended without a status call per task. A list that shows a task ended counts as having seen its end.
   */
  private taskList(node: string, query: URLSearchParams, now: number): RouteAnswer {
    const vmid = query.get('vmid');
    const source = query.get('source') ?? 'archive';
    const since = optionalNumber(query.get('since'));
    const until = optionalNumber(query.get('until'));
    const start = optionalNumber(query.get('start')) ?? 0;
    const limit = optionalNumber(query.get('limit')) ?? 50;
    const tasks = (vmid === null ? this.tasks.forNode(node) : this.tasks.forGuest(node, vmid)).filter(
      (task) =>
        (since === undefined || task.starttime >= since) && (until === undefined || task.starttime <= until),
    );
    const running = source === 'archive' ? [] : tasks.filter((task) => now < task.endsAt);
    const ended = source === 'active' ? [] : tasks.filter((task) => now >= task.endsAt).reverse();
    const items = [...running, ...ended].slice(start, start + limit).map((task) => {
      const isEnded = this.tasks.ended(task, now);
      return taskListItem(task.upid, task.node, task.type, task.id, isEnded ? task.endtime : undefined);
    });
    return {
      status: 200,
      body: Buffer.from(JSON.stringify({ data: items, total: running.length + ended.length }), 'utf8'),
      kind: 'task-list',
    };
  }

  private startAction(node: string, type: string, vmid: string, action: string): RouteAnswer {
    const guest = this.guestsByVmid.get(Number(vmid));
    const taskType = TASK_TYPES[type]?.[action];
    if (!guest || guest.node !== node || guest.type !== type || !taskType)
      return missingGuest(node, type, vmid);
    const task = this.tasks.start(node, taskType, vmid);
    return { status: 200, body: envelope(task.upid), kind: 'action' };
  }
}

/** A query parameter's number, `undefined` when absent. */
function optionalNumber(value: string | null): number | undefined {
  return value === null ? undefined : Number(value);
}

const NO_SUCH_TASK = Buffer.from(JSON.stringify({ data: null, errors: { upid: 'no such task' } }), 'utf8');

function missingGuest(node: string, type: string, vmid: string): RouteAnswer {
  const file = type === 'qemu' ? `nodes/${node}/qemu-server/${vmid}.conf` : `nodes/${node}/lxc/${vmid}.conf`;
  const reason = `Configuration file '${file}' does not exist`;
  return { status: 500, reason, body: envelope(null), kind: 'unknown' };
}

function notImplemented(method: string, url: string): RouteAnswer {
  const path = url.startsWith(API) ? url.slice(API.length) : url;
  return {
    status: 501,
    reason: `Method '${method} ${path}' not implemented`,
    body: envelope(null),
    kind: 'unknown',
  };
}

/**
 * `GET .../pending`: the config as PVE lists it there, one `{ key, value }` per option (nothing pending: the fleet's
 * guests run with their config).
 */
function guestPendingBody(guest: FleetGuest): Buffer {
  return envelope(Object.entries(guestConfig(guest)).map(([key, value]) => ({ key, value })));
}

function guestConfig(guest: FleetGuest): Record<string, unknown> {
  if (guest.type === 'lxc') {
    return {
      hostname: guest.name,
      arch: 'amd64',
      cores: 2,
      memory: 2048,
      swap: 512,
      ostype: 'debian',
      rootfs: `local-lvm:vm-${guest.vmid}-disk-0,size=32G`,
      net0: `name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:${(guest.vmid >> 8) & 255}:${guest.vmid & 255},ip=dhcp,type=veth`,
      tags: 'prod;team-a',
      digest: 'f0c9b1a7e2d44c6a9b8e7d6c5b4a39281706f5e4',
    };
  }
  return {
    name: guest.name,
    cores: 4,
    sockets: 1,
    memory: '8192',
    ostype: 'l26',
    boot: 'order=scsi0;ide2;net0',
    scsihw: 'virtio-scsi-single',
    scsi0: `local-lvm:vm-${guest.vmid}-disk-0,iothread=1,size=32G`,
    ide2: 'none,media=cdrom',
    net0: `virtio=BC:24:11:00:${(guest.vmid >> 8) & 255}:${guest.vmid & 255},bridge=vmbr0,firewall=1`,
    agent: '1',
    tags: 'prod;team-a',
    vmgenid: '3f2a9c1e-8b7d-4e6f-a5c4-1b2d3e4f5a6b',
    smbios1: 'uuid=7c9e6679-7425-40de-944b-e07fc1f90ae7',
    digest: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  };
}
