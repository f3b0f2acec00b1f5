import type { ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { guestPreconditions } from '../guests/guest-preconditions.js';
import { guestCheck, guestPath, onGuest } from '../guests/guest-scope.js';
import { contractGuestType, type PveGuestRef } from '../mapping/guest-id.js';
import { proxmoxParams } from '../mapping/provider-options.js';
import { startTask } from '../tasks/task-start.js';
import { liveMigrationParams } from './migration-precondition.js';

/**
 * Moving a guest to another node: live (`online`) while a VM runs — with `with-local-disks` when PVE's precondition
 * check lists disks on local storage —, by restart for a running container. Without
 * `online` in the spec the guest's state decides, so the capability is checked here (a running container cannot
 * move live); with it, the gate has checked it already.
 */
export function migrationMethods(
  pve: ProxmoxContext,
): Pick<ConnectorImplementation<PveGuestRef>, 'migrateGuest'> {
  return {
    migrateGuest: (ref, spec, call) =>
      onGuest(pve, ref, call.signal, async (node, pool) => {
        const check = guestCheck(pve, ref, node, call.signal);
        await guestPreconditions.idle(check);
        const running = (await guestPreconditions.status(check)).status === 'running';
        if (spec.online === undefined) {
          await call.require(running ? 'migration.live' : 'migration.offline', contractGuestType(ref.type));
        }
        const extra = proxmoxParams(spec.providerOptions, 'providerOptions');
        const live =
          ref.type === 'qemu' && running
            ? await liveMigrationParams(pve, ref, node, spec.targetNode, extra, call.signal)
            : {};
        const operation = await startTask(
          pve,
          {
            method: 'POST',
            path: `${guestPath(ref, node)}/migrate`,
            params: {
              target: spec.targetNode,
              ...(ref.type === 'qemu' && running ? { online: true } : {}),
              ...(ref.type === 'lxc' && running ? { restart: true } : {}),
              ...live,
              ...extra,
            },
            node,
            signal: call.signal,
          },
          { type: 'migrate', guestId: ref.id },
        );
        pve.locator.remember(ref.id, { node: spec.targetNode, ...(pool ? { pool } : {}) });
        return operation;
      }),
  };
}
