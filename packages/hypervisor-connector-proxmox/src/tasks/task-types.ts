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
