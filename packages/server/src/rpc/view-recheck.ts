import { PermissionDeniedError } from '@hvc/hypervisor-connector';
import { enforce } from '../authz/enforce.js';
import { subjectOf } from '../interceptors/request-context.js';
import type { TargetAccess } from './access.js';
import type { WatchRecheck } from './operation-watch.js';
import type { ServiceDeps } from './service-deps.js';

/**
 * The recheck of an open watch of a target: every `everyMs` the caller's membership is read again (a user disabled
 * or removed while watching loses the stream) and `view` on the target is enforced again (a role taken away).
 */
export function viewRecheck(
  deps: ServiceDeps,
  { principal, organizationId, targetId }: Pick<TargetAccess, 'principal' | 'organizationId' | 'targetId'>,
  everyMs: number,
): WatchRecheck {
  return {
    everyMs,
    check: async () => {
      if (principal.kind === 'user') {
        const member = await deps.store.members.getMember(organizationId, principal.id);
        if (member?.status !== 'active' || member.disabled) {
          throw new PermissionDeniedError('you are no longer an active member of this organisation');
        }
      }
      await enforce(deps.authorizer, subjectOf(principal), 'view', {
        type: 'target',
        organizationId,
        id: targetId,
      });
    },
  };
}
