import type { PveFields } from './pve-record.js';
import {
  readPveOptionalBoolean as bool,
  readPveOptionalNumber as num,
  readNumberOrString,
  readPveNumber,
  readString,
  readPveOptionalString as str,
} from './pve-values.js';

/** The fields of a `/cluster/resources` item (guests, nodes, storages, pools, SDN). */
export const clusterResourceFields = {
  id: readString,
  type: readString,
  node: str,
  vmid: num,
  name: str,
  status: str,
  template: bool,
  maxcpu: num,
  cpu: num,
  maxmem: num,
  mem: num,
  maxdisk: num,
  disk: num,
  netin: num,
  netout: num,
  uptime: num,
  hastate: str,
  pool: str,
  lock: str,
  tags: str,
} as const satisfies PveFields;

/** The fields of a guest's status (`status/current`, and the items of `/nodes/{node}/qemu` or `/lxc`). */
export const guestStatusFields = {
  vmid: readPveNumber,
  status: readString,
  name: str,
  cpus: num,
  cpu: num,
  maxmem: num,
  mem: num,
  maxdisk: num,
  disk: num,
  uptime: num,
  netin: num,
  netout: num,
  pid: num,
  lock: str,
  tags: str,
  template: bool,
  qmpstatus: str,
} as const satisfies PveFields;

/** The fields of a guest's config that the connector reads. */
export const guestConfigFields = {
  digest: str,
  name: str,
  hostname: str,
  cores: num,
  sockets: num,
  // A number, or since PVE 8.1 a property string.
  memory: readNumberOrString,
  description: str,
  tags: str,
  lock: str,
  template: bool,
} as const satisfies PveFields;

/**
 * The fields of an item of `GET .../pending` (pve-guest-common `PVE::GuestHelpers::config_with_pending_array`): a
 * config key with its current `value`, its `pending` value, or `delete` (1, or 2 with `force`) when it is to go.
 */
export const guestPendingItemFields = {
  key: readString,
  value: readNumberOrString,
  pending: readNumberOrString,
  delete: num,
} as const satisfies PveFields;

/** The fields of a task's status. `exitstatus` is present once the task has stopped. */
export const taskStatusFields = {
  upid: readString,
  status: readString,
  exitstatus: str,
  node: str,
  type: str,
  id: str,
  user: str,
  starttime: num,
} as const satisfies PveFields;

/** The fields of an item of `/nodes/{node}/tasks` (`status` is the exit status text, `RUNNING` for active ones). */
export const taskListItemFields = {
  upid: readString,
  node: str,
  type: str,
  id: str,
  user: str,
  status: str,
  starttime: num,
  endtime: num,
} as const satisfies PveFields;
