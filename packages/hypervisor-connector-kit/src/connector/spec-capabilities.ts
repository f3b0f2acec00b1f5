import type { CapabilityName, GuestSpec } from '@hvc/hypervisor-connector';

/**
 * The capabilities a create spec needs: `create` and its guest type, then what the spec asks beyond a blank guest
 * (its source, a linked template clone, a boot order, cloud-init and its parts). The gate checks them all before
 * the implementation runs, so a spec a target cannot honour is UNSUPPORTED with nothing created.
 */
export function specCapabilities(spec: GuestSpec): CapabilityName[] {
  const names: CapabilityName[] = ['create', `guestTypes.${spec.type}`];
  if (spec.type !== 'vm') return names;
  if (spec.source !== undefined) {
    names.push(`sources.${spec.source.kind}`);
    if (spec.source.kind === 'template' && spec.source.mode === 'linked') names.push('clone.linked');
  }
  if (spec.boot !== undefined) names.push('bootOrder');
  const cloudInit = spec.cloudInit;
  if (cloudInit !== undefined) {
    names.push('cloudInit.config');
    if (cloudInit.hostname !== undefined && cloudInit.hostname !== spec.name)
      names.push('cloudInit.hostname');
    if (cloudInit.userData !== undefined) names.push('cloudInit.userData');
    if (cloudInit.userDataVolume !== undefined) names.push('cloudInit.userDataVolume');
  }
  return names;
}
