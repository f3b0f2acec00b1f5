import type { SpecificationVersion } from '../specification.js';
import type { Capabilities } from './capabilities.js';
import type { HostNode } from './host-node.js';

/** What `describe()` tells about one target: who it is, what runs it, and what this credential can do there. */
export interface TargetInfo {
  /** The connector kind, e.g. `proxmox`. */
  readonly kind: string;
  readonly specificationVersion: SpecificationVersion;
  /** The hypervisor's product version, e.g. `9.1.1`. */
  readonly version: string;
  /** The cluster's name, when the target is a named cluster. */
  readonly clusterName?: string;
  readonly nodes: readonly HostNode[];
  /** The connector's capabilities, refined for this target and credential. */
  readonly capabilities: Capabilities;
  /** The hypervisor's own records (version, cluster status). */
  readonly raw: Readonly<Record<string, unknown>>;
}
