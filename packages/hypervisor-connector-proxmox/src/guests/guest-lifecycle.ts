import { ConflictError } from '@hvc/hypervisor-connector';
import type { ConnectorImplementation } from '@hvc/hypervisor-connector-kit';
import type { ProxmoxContext } from '../connector/proxmox-context.js';
import { guestIdOf, type PveGuestRef } from '../mapping/guest-id.js';
import { cloneParams, containerCreateParams, patchParams, vmCreateParams } from '../mapping/guest-params.js';
import { checkBlankVm, needsProvisioning, provisionVm } from '../provisioning/vm-provisioning.js';
import { startTask } from '../tasks/task-start.js';
import { pvePath } from '../transport/form-encoding.js';
import { guestPlacement } from './guest-placement.js';
import { guestPreconditions } from './guest-preconditions.js';
import { guestCheck, guestPath, onGuest } from './guest-scope.js';
import { withFreshVmid } from './vmid-allocator.js';

/**
 * Creating, cloning, changing and deleting guests. New guests get a fresh VMID (moving on when another creator took
 * one) and are remembered on their node; the connector's pool, when it has one, is where they go.
 */
export function guestLifecycleMethods(
  pve: ProxmoxContext,
): Pick<ConnectorImplementation<PveGuestRef>, 'createGuest' | 'cloneGuest' | 'updateGuest' | 'deleteGuest'> {
  const { defaultStorage, pool } = pve.config;
  return {
    async createGuest(spec, { signal }) {
      if (spec.type === 'vm' && needsProvisioning(spec)) return provisionVm(pve, spec, signal);
      const type = spec.type === 'vm' ? 'qemu' : 'lxc';
      const node = spec.node ?? (await guestPlacement(pve, signal));
      if (spec.type === 'vm') await checkBlankVm(pve, spec, node, signal);
      return withFreshVmid(
        pve.client,
        async (vmid) => {
          const params =
            spec.type === 'vm'
              ? vmCreateParams(spec, vmid, defaultStorage, pool)
              : containerCreateParams(spec, vmid, defaultStorage, pool);
          const guestId = guestIdOf(type, vmid);
          const operation = await startTask(
            pve,
            { method: 'POST', path: pvePath('nodes', node, type), params, node, signal },
            // PVE starts the new guest in a task of its own after the create task (`create_vm` with `start`).
            { type: 'create', guestId, ...(spec.start ? { startFollows: true } : {}) },
          );
          const guestPool = spec.pool ?? pool;
          pve.locator.remember(guestId, { node, ...(guestPool ? { pool: guestPool } : {}) });
          return operation;
        },
        signal,
        pve.vmids,
      );
    },

    cloneGuest: (ref, spec, { signal }) =>
      onGuest(pve, ref, signal, async (node) => {
        if (
          spec.mode === 'linked' &&
          !(await guestPreconditions.status(guestCheck(pve, ref, node, signal))).template
        ) {
          throw new ConflictError(`a linked clone needs a template: ${ref.id} is none`, {
            ...pve.origin,
            retryable: false,
            details: { guestId: ref.id },
          });
        }
        return withFreshVmid(
          pve.client,
          async (newid) => {
            const cloneId = guestIdOf(ref.type, newid);
            const operation = await startTask(
              pve,
              {
                method: 'POST',
                path: `${guestPath(ref, node)}/clone`,
                params: cloneParams(ref.type, spec, newid, pool),
                node,
                signal,
              },
              { type: 'clone', guestId: cloneId },
            );
            const clonePool = spec.pool ?? pool;
            pve.locator.remember(cloneId, {
              node: spec.targetNode ?? node,
              ...(clonePool ? { pool: clonePool } : {}),
            });
            return operation;
          },
          signal,
          pve.vmids,
        );
      }),

    updateGuest: (ref, patch, { signal }) =>
      onGuest(pve, ref, signal, async (node) => {
        await pve.client.call(
          'PUT',
          `${guestPath(ref, node)}/config`,
          patchParams(ref.type, patch),
          undefined,
          {
            node,
            signal,
          },
        );
        return undefined;
      }),

    deleteGuest: (ref, { signal }) =>
      onGuest(pve, ref, signal, async (node) => {
        await guestPreconditions.idle(guestCheck(pve, ref, node, signal));
        const operation = await startTask(
          pve,
          {
            method: 'DELETE',
            path: guestPath(ref, node),
            params: { purge: true, 'destroy-unreferenced-disks': true },
            node,
            signal,
          },
          { type: 'delete', guestId: ref.id },
        );
        pve.locator.forget(ref.id);
        return operation;
      }),
  };
}
