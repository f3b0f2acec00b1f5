import { type Capabilities, type TargetInfo, UnavailableError } from '@hvc/hypervisor-connector';
import { offeredDomainTypes } from './host-capabilities.js';
import type { LibvirtTarget } from './libvirt-target.js';
import { listNodes } from './node-listing.js';

/**
 * `describe()`: the nodes, the libvirt version of the first host that answers (`version`), and per host in `raw`
 * its libvirt and hypervisor versions and the domain types its capabilities offer (`kvm`, `qemu`: new guests take
 * theirs from there). UNAVAILABLE when no host answers.
 */
export async function describeTarget(
  kind: string,
  target: LibvirtTarget,
  capabilities: Capabilities,
  signal?: AbortSignal,
): Promise<TargetInfo> {
  const nodes = await listNodes(target, signal);
  const online = target.hosts.filter((host, index) => nodes[index]?.status === 'online' && host.facts);
  const first = online[0]?.facts;
  if (first === undefined) {
    const reasons = nodes.map((node) => `${node.name}: ${(node.raw.error as { message?: string })?.message}`);
    throw new UnavailableError(`no host of the target answers (${reasons.join('; ')})`, {
      details: { nodes: structuredClone(nodes) },
    });
  }
  return {
    kind,
    specificationVersion: 'v1',
    version: first.libvirtVersion,
    nodes,
    capabilities: structuredClone(capabilities),
    raw: {
      libvirtVersion: first.libvirtVersion,
      hypervisor: first.hypervisor,
      hypervisorVersion: first.hypervisorVersion,
      hosts: online.map((host) => ({
        node: target.nodeName(host),
        uri: host.display,
        libvirtVersion: host.facts!.libvirtVersion,
        hypervisorVersion: host.facts!.hypervisorVersion,
        arch: host.facts!.capabilities.arch ?? null,
        domainTypes: offeredDomainTypes(host.facts!.capabilities),
      })),
    },
  };
}
