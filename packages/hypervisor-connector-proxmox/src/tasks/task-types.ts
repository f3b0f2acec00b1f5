import type { OperationType } from '@hvc/hypervisor-connector';

/**
 * The PVE task types an operation can run as (qemu-server `src/PVE/API2/Qemu.pm`, pve-container `src/PVE/API2/LXC.pm`
 * and `LXC/Status.pm`; the `ha*` types for guests under HA). `update` runs as no task; `resize` is its disk part.
 */
const TASK_TYPES: Readonly<Record<OperationType, readonly string[]>> = {
  create: ['qmcreate', 'vzcreate', 'qmrestore', 'vzrestore'],
  clone: ['qmclone', 'vzclone'],
  update: ['qmconfig', 'vzconfig', 'resize'],
  delete: ['qmdestroy', 'vzdestroy'],
  start: ['qmstart', 'vzstart', 'hastart'],
  stop: ['qmstop', 'vzstop', 'hastop'],
  shutdown: ['qmshutdown', 'vzshutdown', 'hastop'],
  reboot: ['qmreboot', 'vzreboot'],
  reset: ['qmreset'],
  suspend: ['qmpause', 'qmsuspend', 'vzsuspend'],
  resume: ['qmresume', 'vzresume'],
  migrate: ['qmigrate', 'vzmigrate', 'hamigrate'],
  'snapshot.create': ['qmsnapshot', 'vzsnapshot'],
  'snapshot.rollback': ['qmrollback', 'vzrollback'],
  'snapshot.delete': ['qmdelsnapshot', 'vzdelsnapshot'],
  'template.convert': ['qmtemplate', 'vztemplate'],
  'disk.resize': ['resize'],
  'disk.add': ['qmconfig'],
  'disk.remove': ['qmconfig'],
  'nic.add': ['qmconfig'],
  'nic.remove': ['qmconfig'],
  other: [],
};

/** Whether a task of PVE type `taskType` can be the task of an operation of `type`. */
export function isTaskOf(type: OperationType, taskType: string | undefined): boolean {
  const types = TASK_TYPES[type];
  return types.length === 0 || (taskType !== undefined && types.includes(taskType));
}

/**
 * The operation type a PVE task type stands for, for tasks the connector did not start: the first type of
 * {@link TASK_TYPES} that runs as it (`qmconfig` is `update`, `hastop` `stop`), but `resize` is `disk.resize`;
 * `other` for a task no operation runs as (`vzdump`, `aptupdate`...).
 */
export function operationTypeOfTask(taskType: string): OperationType {
  if (taskType === 'resize') return 'disk.resize';
  for (const [type, taskTypes] of Object.entries(TASK_TYPES) as [OperationType, readonly string[]][]) {
    if (taskTypes.includes(taskType)) return type;
  }
  return 'other';
}

/**
 * The guest id of a task from its UPID's type and id: `qm*` tasks act on `qemu/<id>`, `vz*` on `lxc/<id>`. HA tasks
 * (`hastart`...) name a VMID without its type, so they have none.
 */
export function guestIdOfTask(taskType: string, id: string): string | undefined {
  if (!/^[1-9][0-9]{2,8}$/.test(id)) return undefined;
  if (taskType.startsWith('qm')) return `qemu/${id}`;
  if (taskType.startsWith('vz')) return `lxc/${id}`;
  return undefined;
}
