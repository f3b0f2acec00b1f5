import { isHypervisorError, NotFoundError, type Operation } from '@hvc/hypervisor-connector';
import { isActiveState, mapDomainState } from '../domains/domain-state.js';
import type { GuestLocator, LocatedDomain } from '../domains/guest-locator.js';
import type { DomainEventHub } from '../hosts/domain-event-hub.js';
import { readDomainJob } from '../migration/job-progress.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';
import type { OperationRef } from './operation-id.js';

/** What judging an operation from libvirt's state needs. */
export interface DerivationContext {
  readonly locator: GuestLocator;
  readonly events: DomainEventHub;
  /** How long an operation may go without its expected state before it counts as failed. */
  readonly settleMs: number;
}

/** The seconds of a `d<seconds>` argument (shutdown and reboot deadlines). */
export function deadlineArg(seconds: number): string {
  return `d${Math.ceil(seconds)}`;
}

function deadlineOf(ref: OperationRef): number {
  const seconds = /^d(\d+)$/.exec(ref.arg)?.[1];
  return ref.startedAt + (seconds === undefined ? 0 : Number(seconds) * 1000);
}

/**
 * Judges an operation that this process does not remember (another process started it, or this one restarted)
 * from libvirt's state and this process's events, by its type:
 *
 * - create, clone: succeeded once the guest exists (and runs, when it was to start); delete: once no host has it;
 * - start, resume: once it runs; stop: once it is shut off; suspend: once it is paused;
 * - shutdown: once it is shut off, failed with TIMEOUT after the deadline in the id;
 * - reboot: once this process saw its REBOOT event after the start, else presumed done (`raw.presumed`) at the
 *   deadline if it still runs; reset: presumed done if it runs (libvirt's reset returns when done);
 * - snapshot.create / .delete: once the snapshot exists / is gone; snapshot.rollback: once it is the current one;
 * - migrate: once the guest is on the destination and no longer on the source, running while the source's job
 *   runs (with its progress).
 *
 * An operation still short of its state `settleMs` after it started is reported failed: its outcome is unknown.
 * NOT_FOUND when the guest of a start, stop, snapshot, ... no longer exists at all.
 */
export async function deriveOperation(
  ref: OperationRef,
  context: DerivationContext,
  signal?: AbortSignal,
): Promise<Operation> {
  const now = Date.now();
  const base = {
    id: ref.id,
    type: ref.type,
    guestId: ref.uuid,
    startedAt: new Date(ref.startedAt).toISOString(),
  };
  const raw = (extra: Record<string, unknown> = {}) => ({ derived: true, node: ref.node, ...extra });
  const running = (extra?: Record<string, unknown>, progress?: number): Operation => ({
    ...base,
    status: 'running',
    ...(progress === undefined ? {} : { progress }),
    raw: raw(extra),
  });
  const succeeded = (extra?: Record<string, unknown>): Operation => ({
    ...base,
    status: 'succeeded',
    endedAt: new Date(now).toISOString(),
    progress: 1,
    raw: raw(extra),
  });
  const failed = (code: 'TIMEOUT' | 'OPERATION_FAILED', message: string): Operation => ({
    ...base,
    status: 'failed',
    endedAt: new Date(now).toISOString(),
    error: { code, message },
    raw: raw(),
  });
  const unsettled = (why: string): Operation =>
    now - ref.startedAt < context.settleMs
      ? running()
      : failed('OPERATION_FAILED', `the outcome is not known to this process: ${why}`);

  const found = await context.locator.locateAll(ref.uuid, signal);
  const active = (entry: LocatedDomain) => entry.dom.id !== -1;
  switch (ref.type) {
    case 'create':
    case 'clone':
      if (found.length === 0) return unsettled('the guest does not exist');
      if (ref.arg === 'start' && !found.some(active)) return unsettled('the guest exists but does not run');
      return succeeded();
    case 'delete':
      return found.length === 0 ? succeeded() : unsettled('the guest still exists');
    case 'migrate':
      return deriveMigration(ref, found, { running, succeeded, unsettled }, signal);
    default:
      break;
  }
  const located = found.find(active) ?? found[0];
  if (located === undefined) {
    throw new NotFoundError(`operation ${ref.id} not found: its guest ${ref.uuid} no longer exists`, {
      details: { operationId: ref.id },
    });
  }
  const { host, dom } = located;
  const { state, reason } = await host.call(P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 }, signal);
  const mapped = mapDomainState(state, reason);
  const now_ = `the guest is ${mapped.libvirtState} (${mapped.libvirtReason})`;
  switch (ref.type) {
    case 'start':
    case 'resume':
      return mapped.state === 'running' ? succeeded() : unsettled(now_);
    case 'stop':
      return mapped.state === 'stopped' ? succeeded() : unsettled(now_);
    case 'suspend':
      return mapped.state === 'paused' ? succeeded() : unsettled(now_);
    case 'shutdown':
      if (mapped.state === 'stopped') return succeeded();
      return now < deadlineOf(ref)
        ? running()
        : failed('TIMEOUT', `the guest did not shut down by ${new Date(deadlineOf(ref)).toISOString()}`);
    case 'reboot': {
      const rebooted = context.events.lastReboot(ref.uuid);
      if (rebooted !== undefined && rebooted >= ref.startedAt) return succeeded();
      if (!isActiveState(state)) return failed('OPERATION_FAILED', `the guest did not come back: ${now_}`);
      return now < deadlineOf(ref) ? running() : succeeded({ presumed: true });
    }
    case 'reset':
      return isActiveState(state)
        ? succeeded({ presumed: true })
        : failed('OPERATION_FAILED', `the guest does not run: ${now_}`);
    case 'snapshot.create':
    case 'snapshot.delete': {
      const exists = await host
        .call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, { dom, name: ref.arg, flags: 0 }, signal)
        .then(
          () => true,
          (error: unknown) => {
            if (isHypervisorError(error, 'NOT_FOUND')) return false;
            throw error;
          },
        );
      const done = ref.type === 'snapshot.create' ? exists : !exists;
      return done ? succeeded() : unsettled(`snapshot ${ref.arg} ${exists ? 'exists' : 'does not exist'}`);
    }
    case 'snapshot.rollback': {
      const current = await host.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT, { dom, flags: 0 }, signal).then(
        (reply) => reply.snap.name,
        (error: unknown) => {
          if (isHypervisorError(error, 'NOT_FOUND')) return undefined;
          throw error;
        },
      );
      return current === ref.arg ? succeeded() : unsettled(`the current snapshot is ${current ?? 'none'}`);
    }
    default:
      return unsettled('libvirt keeps no trace of this kind of operation');
  }
}

async function deriveMigration(
  ref: OperationRef,
  found: readonly LocatedDomain[],
  outcome: {
    running(extra?: Record<string, unknown>, progress?: number): Operation;
    succeeded(): Operation;
    unsettled(why: string): Operation;
  },
  signal?: AbortSignal,
): Promise<Operation> {
  const source = found.find((entry) => entry.host.nodeName === ref.node);
  const destination = found.find((entry) => entry.host.nodeName === ref.arg);
  if (source === undefined && destination !== undefined) return outcome.succeeded();
  if (source === undefined) {
    throw new NotFoundError(`operation ${ref.id} not found: its guest ${ref.uuid} no longer exists`, {
      details: { operationId: ref.id },
    });
  }
  const job = await readDomainJob(source, signal);
  if (job.active || destination !== undefined) return outcome.running({ job: job.stats }, job.progress);
  return outcome.unsettled(`the guest is still on ${ref.node}`);
}
