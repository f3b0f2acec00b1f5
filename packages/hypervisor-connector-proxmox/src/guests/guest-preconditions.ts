import { AlreadyExistsError, ConflictError, NotFoundError } from '@hvc/hypervisor-connector';
import { throwIfAborted } from '@hvc/hypervisor-connector-kit';
import type { z } from 'zod';
import type { PveGuestRef } from '../mapping/guest-id.js';
import { guestState } from '../mapping/guest-mapping.js';
import { type PveGuestStatus, PveGuestStatusSchema, PveSnapshotsSchema } from '../schemas/guests.js';
import { pveRecords } from '../schemas/pve-record.js';
import { guestStatusFields, taskListItemFields } from '../schemas/record-fields.js';
import { pvePath } from '../transport/form-encoding.js';
import type { PveClient } from '../transport/pve-client.js';
import { NodeReadBatcher } from './node-read-batcher.js';

/** Task types that hold no guest busy: console sessions run as tasks for as long as the console is open. */
const SESSION_TASKS = /^(vncproxy|termproxy|spiceproxy|vncshell|qmtermproxy)$/;

/** A guest's status as a batch read it: from `status/current` (`exact`), or from its node's guest list. */
export interface ReadStatus {
  readonly status: PveGuestStatus;
  readonly exact: boolean;
}

/** The precondition reads that concurrent calls on guests of one node share. */
export interface PreconditionBatches {
  /** The active tasks of each guest, by node. */
  readonly activeTasks: NodeReadBatcher<readonly PveTaskListItem[]>;
  /** The status of each guest, by `node/type`. */
  readonly statuses: NodeReadBatcher<ReadStatus>;
}

/** What a check needs to reach the guest. */
export interface GuestCheck {
  readonly client: PveClient;
  readonly batches: PreconditionBatches;
  /** A UPID as errors may show it (without the connector's own user or token id). */
  readonly publicUpid?: (upid: string) => string;
  readonly ref: PveGuestRef;
  readonly node: string;
  readonly signal?: AbortSignal;
  readonly target?: string;
}

/** Most active tasks a node-wide read asks for; a node with more is read guest by guest. */
const ACTIVE_TASKS_LIMIT = 500;
const TaskListSchema = pveRecords(taskListItemFields);
const StatusListSchema = pveRecords(guestStatusFields);
type PveTaskListItem = z.output<typeof TaskListSchema>[number];

/**
 * The batched reads of one connector. A batch of one guest reads just that guest, as a lone call always did; a
 * larger one reads the node's active tasks, or its guest list, once for all of them.
 */
export function preconditionBatches(client: PveClient): PreconditionBatches {
  const guestTasks = (node: string, vmid: number) =>
    client.get(pvePath('nodes', node, 'tasks'), { source: 'active', vmid, limit: 50 }, TaskListSchema, {
      node,
    });
  return {
    activeTasks: new NodeReadBatcher(async (node, vmids) => {
      const byGuest = new Map<number, PveTaskListItem[]>();
      if (vmids.length > 1) {
        const tasks = await client.get(
          pvePath('nodes', node, 'tasks'),
          { source: 'active', limit: ACTIVE_TASKS_LIMIT },
          TaskListSchema,
          { node },
        );
        if (tasks.length < ACTIVE_TASKS_LIMIT) {
          for (const vmid of vmids) byGuest.set(vmid, []);
          for (const task of tasks) byGuest.get(Number(task.id))?.push(task);
          return byGuest;
        }
      }
      const lists = await Promise.all(vmids.map((vmid) => guestTasks(node, vmid)));
      vmids.forEach((vmid, index) => {
        byGuest.set(vmid, lists[index] ?? []);
      });
      return byGuest;
    }),
    statuses: new NodeReadBatcher(async (key, vmids) => {
      const [node, type] = key.split('/') as [string, string];
      const byGuest = new Map<number, ReadStatus>();
      if (vmids.length === 1) {
        const vmid = vmids[0] as number;
        const status = await client.get(
          `${pvePath('nodes', node, type, vmid)}/status/current`,
          undefined,
          PveGuestStatusSchema,
          { node },
        );
        byGuest.set(vmid, { status, exact: true });
        return byGuest;
      }
      const wanted = new Set(vmids);
      for (const status of await client.get(pvePath('nodes', node, type), undefined, StatusListSchema, {
        node,
      })) {
        if (wanted.has(status.vmid)) byGuest.set(status.vmid, { status, exact: false });
      }
      return byGuest;
    }),
  };
}

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
    throwIfAborted(check.signal);
    const tasks = (await check.batches.activeTasks.get(check.node, check.ref.vmid, check.signal)) ?? [];
    const busy = tasks.find(
      (task) => !SESSION_TASKS.test(task.type ?? '') && task.id === String(check.ref.vmid),
    );
    if (busy) {
      throw new ConflictError(`guest ${check.ref.id} is busy: a ${busy.type ?? 'task'} task is running`, {
        ...errorOptions(check),
        retryable: true,
        details: { guestId: check.ref.id, upid: check.publicUpid?.(busy.upid) ?? busy.upid },
      });
    }
  },

  /**
   * NOT_FOUND (PVE's "Configuration file … does not exist") when the guest is not on the check's node: its node's
   * guest list (batched with other checks) or, for a guest it lacks, its `status/current`.
   */
  async onNode(check: GuestCheck): Promise<void> {
    throwIfAborted(check.signal);
    const read = await check.batches.statuses.get(
      `${check.node}/${check.ref.type}`,
      check.ref.vmid,
      check.signal,
    );
    if (read === undefined) await guestPreconditions.status(check);
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

  /**
   * CONFLICT unless the guest is in one of `states` (by its normalised state). A guest its node lists as stopped is
   * stopped whatever its QEMU state; any other listed state is read exactly from `status/current`.
   */
  async inState(check: GuestCheck, states: readonly string[], action: string): Promise<PveGuestStatus> {
    throwIfAborted(check.signal);
    const read = await check.batches.statuses.get(
      `${check.node}/${check.ref.type}`,
      check.ref.vmid,
      check.signal,
    );
    const status =
      read && (read.exact || read.status.status === 'stopped')
        ? read.status
        : await guestPreconditions.status(check);
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
      PveSnapshotsSchema,
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
