import type { OperationRef } from './operation-id.js';

/** What an operation waits for its guest to do after its task has ended `OK`. */
export type AwaitedGuestChange = 'running' | 'stopped' | 'moved';

/**
 * Tasks that end `OK` before the guest has changed:
 * - `hastart`, `hastop`, `hamigrate` only queue a request with the HA manager (qemu-server / pve-container
 *   `vm_start`, `vm_stop`, `vm_shutdown`, `migrate_vm` for an HA-managed guest);
 * - `qmreboot` only shuts the VM down: `qm cleanup` starts it again in a `qmstart` task of its own (qemu-server
 *   `QemuServer.pm` `vm_reboot`, `src/PVE/CLI/qm.pm` `cleanup`). A container's `vzreboot` restarts it itself.
 */
const AFTER_TASK: Readonly<Record<string, AwaitedGuestChange>> = {
  hastart: 'running',
  hastop: 'stopped',
  hamigrate: 'moved',
  qmreboot: 'running',
};

/**
 * The guest change an operation still waits for once its task has ended `OK`: the one its task type implies, or,
 * for a create or rollback with `start`, the start PVE forks at the end of the task (`startFollows`).
 */
export function awaitedGuestChange(ref: OperationRef, taskType: string): AwaitedGuestChange | undefined {
  if (ref.guestId === undefined) return undefined;
  return AFTER_TASK[taskType] ?? (ref.startFollows ? 'running' : undefined);
}

/** Whether a task is of the HA manager (its guest state then carries `ha.state`). */
export function isHaTask(taskType: string): boolean {
  return taskType.startsWith('ha');
}
