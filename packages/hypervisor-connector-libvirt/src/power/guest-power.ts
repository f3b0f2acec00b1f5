import { ConflictError, type Operation } from '@hvc/hypervisor-connector';
import type { PowerAction } from '@hvc/hypervisor-connector-kit';
import type { LibvirtContext } from '../connector/libvirt-context.js';
import { DomainState } from '../domains/domain-state.js';
import {
  type DomainStatus,
  readDomainStatus,
  readGuestMetadata,
  requireState,
} from '../domains/domain-status.js';
import { deadlineArg } from '../operations/derived-status.js';
import type { OperationRun } from '../operations/libvirt-operations.js';
import { RemoteProcedure as P } from '../protocol/generated/remote-protocol.gen.js';

const isRunning = (status: DomainStatus) =>
  status.state === DomainState.RUNNING || status.state === DomainState.BLOCKED;
const isActive = (status: DomainStatus) => status.state !== DomainState.SHUTOFF;

/** When each action may run, and what to say when it may not. */
const PRECONDITIONS: Readonly<Record<PowerAction, [(status: DomainStatus) => boolean, string]>> = {
  start: [(s) => s.state === DomainState.SHUTOFF, 'only a shut off guest can be started'],
  stop: [isActive, 'it does not run'],
  shutdown: [isRunning, 'only a running guest can be shut down (resume a paused one first)'],
  reboot: [isRunning, 'only a running guest can be rebooted'],
  reset: [
    (s) => isActive(s) && s.state !== DomainState.SHUTDOWN,
    'only a running or paused guest can be reset',
  ],
  suspend: [isRunning, 'only a running guest can be suspended'],
  resume: [
    (s) =>
      (s.state === DomainState.PAUSED && s.mapped.state === 'paused') || s.state === DomainState.PMSUSPENDED,
    'only a paused or suspended guest can be resumed',
  ],
};

/**
 * Runs a power action as an operation. The guest's state is checked first (CONFLICT when it is wrong, before
 * anything is sent); a template is never started. Then, in the background:
 *
 * - start: `DOMAIN_CREATE_WITH_FLAGS`; cancellable — a cancelled start destroys the guest once it is up;
 * - stop: `DOMAIN_DESTROY_FLAGS` (libvirt's graceful SIGTERM, then SIGKILL);
 * - shutdown: `DOMAIN_SHUTDOWN_FLAGS`, pressed again every `shutdown.repressMs` (a press before the guest's OS
 *   listens is lost) until libvirt reports it shut off, TIMEOUT after `shutdown.timeoutMs`; cancellable (the wait
 *   stops, a press already made may still take effect);
 * - reboot: `DOMAIN_REBOOT`, pressed again likewise until the guest's REBOOT event (libvirt's reboot leaves the
 *   domain running and emits no lifecycle event);
 * - reset, suspend: `DOMAIN_RESET`, `DOMAIN_SUSPEND`; resume: `DOMAIN_RESUME`, or `DOMAIN_PM_WAKEUP` for a guest
 *   that sleeps (pmsuspended).
 */
export async function runPowerAction(
  context: LibvirtContext,
  uuid: string,
  action: PowerAction,
  signal?: AbortSignal,
): Promise<Operation> {
  context.locks.assertFree(uuid);
  const status = await readDomainStatus(context.locator, uuid, signal);
  const [allowed, hint] = PRECONDITIONS[action];
  requireState(status, allowed(status), action, hint);
  if (action === 'start' && (await readGuestMetadata(status, signal)).template) {
    throw new ConflictError(`guest ${uuid} is a template: templates are cloned, never started`, {
      retryable: false,
      details: { guestId: uuid, reason: 'template' },
    });
  }
  const { shutdown } = context.config;
  const waits = action === 'shutdown' || action === 'reboot';
  return context.operations.begin({
    type: action,
    node: context.target.nodeName(status.host),
    uuid,
    ...(waits ? { arg: deadlineArg(shutdown.timeoutMs / 1000) } : {}),
    cancellable: action === 'start' || waits,
    raw: { host: status.host.display, name: status.dom.name },
    work: (run) => powerWork(context, status, action, run),
  });
}

async function powerWork(
  context: LibvirtContext,
  status: DomainStatus,
  action: PowerAction,
  run: OperationRun,
): Promise<undefined> {
  const { host, dom } = status;
  const call = run.closing;
  switch (action) {
    case 'start':
      await host.call(P.REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, { dom, flags: 0 }, call);
      if (run.cancel.aborted) {
        await host.call(P.REMOTE_PROC_DOMAIN_DESTROY_FLAGS, { dom, flags: 0 }, call);
        throw run.cancel.reason;
      }
      return undefined;
    case 'stop':
      await host.call(P.REMOTE_PROC_DOMAIN_DESTROY_FLAGS, { dom, flags: 0 }, call);
      return undefined;
    case 'reset':
      await host.call(P.REMOTE_PROC_DOMAIN_RESET, { dom, flags: 0 }, call);
      return undefined;
    case 'suspend':
      await host.call(P.REMOTE_PROC_DOMAIN_SUSPEND, { dom }, call);
      return undefined;
    case 'resume':
      if (status.state === DomainState.PMSUSPENDED) {
        await host.call(P.REMOTE_PROC_DOMAIN_PM_WAKEUP, { dom, flags: 0 }, call);
      } else {
        await host.call(P.REMOTE_PROC_DOMAIN_RESUME, { dom }, call);
      }
      return undefined;
    case 'shutdown':
    case 'reboot':
      await pressUntil(context, status, action, run);
      return undefined;
  }
}

/**
 * Presses the power (or reboot) button, then waits for the guest to be shut off (or for its REBOOT event), pressing
 * again every `repressMs` while it has not reacted.
 */
async function pressUntil(
  context: LibvirtContext,
  status: DomainStatus,
  action: 'shutdown' | 'reboot',
  run: OperationRun,
): Promise<void> {
  const { host, dom, uuid } = status;
  const { timeoutMs, repressMs } = context.config.shutdown;
  const startedAt = Date.now();
  const press = () =>
    action === 'shutdown'
      ? host.call(P.REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, { dom, flags: 0 }, run.closing)
      : host.call(P.REMOTE_PROC_DOMAIN_REBOOT, { dom, flags: 0 }, run.closing);
  await press();
  const client = await host.client(run.closing);
  // Without event callbacks a reboot leaves no trace to wait for: it counts as done once libvirt took it.
  if (action === 'reboot' && !client.features.eventCallbacks) return;
  let pressedAt = Date.now();
  const reached = async (signal: AbortSignal): Promise<boolean> => {
    if (action === 'reboot') {
      const rebooted = context.events.lastReboot(uuid);
      if (rebooted !== undefined && rebooted >= startedAt) return true;
    }
    const { state } = await host.call(P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags: 0 }, signal);
    if (state === DomainState.SHUTOFF) {
      if (action === 'shutdown') return true;
      throw new ConflictError(`guest ${uuid} powered off instead of rebooting (its on_reboot is destroy?)`);
    }
    if (Date.now() - pressedAt >= repressMs && state === DomainState.RUNNING) {
      pressedAt = Date.now();
      await press().catch(() => {
        // The guest may have just gone down between the state and the press: the next check tells.
      });
    }
    return false;
  };
  await context.operations.until(`${uuid}:${action}:${startedAt}`, uuid, reached, {
    timeoutMs: Math.max(1, timeoutMs - (Date.now() - startedAt)),
    signal: AbortSignal.any([run.cancel, run.closing]),
    what: action === 'shutdown' ? `guest ${uuid} did not shut down` : `guest ${uuid} did not reboot`,
  });
}
