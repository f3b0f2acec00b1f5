import { AlreadyExistsError, ConflictError, NotFoundError } from '@hvc/hypervisor-connector';
import { z } from 'zod';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { guestState } from '../mapping/guest-mapping.js';
import { type PveGuestStatus, PveGuestStatusSchema, PveSnapshotSchema } from '../schemas/guests.js';
import { pveRecords } from '../schemas/pve-record.js';
import { taskListItemFields } from '../schemas/record-fields.js';
import { pvePath } from '../transport/form-encoding.js';
import type { PveClient } from '../transport/pve-client.js';

/** Task types that hold no guest busy: console sessions run as tasks for as long as the console is open. */
const SESSION_TASKS = /^(vncproxy|termproxy|spiceproxy|vncshell|qmtermproxy)$/;

/** What a check needs to reach the guest. */
export interface GuestCheck {
  readonly client: PveClient;
  readonly ref: PveGuestRef;
  readonly node: string;
  readonly signal?: AbortSignal;
  readonly target?: string;
}

const TaskListSchema = pveRecords(taskListItemFields);
const SnapshotsSchema = z.array(PveSnapshotSchema);

const options = (check: GuestCheck) => ({
  node: check.node,
  ...(check.signal === undefined ? {} : { signal: check.signal }),
});
const errorOptions = (check: GuestCheck) => ({
  ...(check.target === undefined ? {} : { target: check.target }),
  details: { guestId: check.ref.id },
});
const guestPath = (check: GuestCheck) => pvePath('nodes', check.node, check.ref.type, check.ref.vmid);

/**
 * PVE checks most preconditions inside the task, so a conflicting call would come back as a task that fails
 * later. These reads refuse such calls at once instead (CONFLICT, ALREADY_EXISTS, NOT_FOUND) and change nothing.
 * They are advisory: another client may still act between the check and the call, and PVE's own checks remain.
 */
export const guestPreconditions = {
  /** CONFLICT (retryable) when a task other than a console session is running for the guest. */
  async idle(check: GuestCheck): Promise<void> {
    const tasks = await check.client.get(
      pvePath('nodes', check.node, 'tasks'),
      { source: 'active', vmid: check.ref.vmid, limit: 50 },
      TaskListSchema,
      options(check),
    );
    const busy = tasks.find(
      (task) => !SESSION_TASKS.test(task.type ?? '') && task.id === String(check.ref.vmid),
    );
    if (busy) {
      throw new ConflictError(`guest ${check.ref.id} is busy: a ${busy.type ?? 'task'} task is running`, {
        ...errorOptions(check),
        retryable: true,
        details: { guestId: check.ref.id, upid: busy.upid },
      });
    }
  },

  /** The guest's current status. */
  status(check: GuestCheck): Promise<PveGuestStatus> {
    return check.client.get(
      `${guestPath(check)}/status/current`,
      undefined,
      PveGuestStatusSchema,
      options(check),
    );
  },

  /** CONFLICT unless the guest is in one of `states` (by its normalised state). */
  async inState(check: GuestCheck, states: readonly string[], action: string): Promise<PveGuestStatus> {
    const status = await guestPreconditions.status(check);
    const state = guestState(status.status, status.qmpstatus);
    if (!states.includes(state)) {
      throw new ConflictError(`cannot ${action} guest ${check.ref.id}: it is ${state}`, {
        ...errorOptions(check),
        retryable: false,
      });
    }
    return status;
  },

  /** ALREADY_EXISTS when the snapshot exists (`present: false`), NOT_FOUND when it does not (`present: true`). */
  async snapshot(check: GuestCheck, name: string, present: boolean): Promise<void> {
    const snapshots = await check.client.get(
      `${guestPath(check)}/snapshot`,
      undefined,
      SnapshotsSchema,
      options(check),
    );
    const exists = snapshots.some((snapshot) => snapshot.name === name && name !== 'current');
    if (present && !exists) {
      throw new NotFoundError(`guest ${check.ref.id} has no snapshot "${name}"`, errorOptions(check));
    }
    if (!present && exists) {
      throw new AlreadyExistsError(
        `guest ${check.ref.id} already has a snapshot "${name}"`,
        errorOptions(check),
      );
    }
  },
};
