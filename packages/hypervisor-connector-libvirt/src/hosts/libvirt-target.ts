import {
  type HypervisorError,
  InvalidArgumentError,
  NotFoundError,
  toHypervisorError,
  UnavailableError,
} from '@hvc/hypervisor-connector';
import type { LibvirtConfig } from '../config/libvirt-config.js';
import type { DomainEventHub } from './domain-event-hub.js';
import { LibvirtHost } from './libvirt-host.js';

/** The hosts of a target that answered, and those that did not. */
export interface ReachableHosts {
  readonly hosts: readonly LibvirtHost[];
  readonly unreachable: readonly { readonly host: LibvirtHost; readonly error: HypervisorError }[];
}

/**
 * The hosts of one target and their node names. A host's name is its configured `name`, else what libvirt reports
 * as its host name (first label), else — while it has never been reached — `host-N` by its position.
 */
export class LibvirtTarget {
  readonly hosts: readonly LibvirtHost[];

  constructor(config: LibvirtConfig, events: DomainEventHub) {
    const options = {
      connectTimeoutMs: config.connectTimeoutMs,
      keepalive: config.keepalive,
      readOnly: config.readOnly,
      ...(config.tls === undefined ? {} : { tls: config.tls }),
      ...(config.ssh === undefined ? {} : { ssh: config.ssh }),
      events,
    };
    this.hosts = config.hosts.map((host, index) => new LibvirtHost(index, host, options));
  }

  /** The node name of `host` (see the class). */
  nodeName(host: LibvirtHost): string {
    return host.nodeName ?? `host-${host.index + 1}`;
  }

  /**
   * Connects every host at once and sorts them into those that answered and those that did not. Throws
   * INVALID_ARGUMENT when two hosts answer to the same node name (the config must name them).
   */
  async reachable(signal?: AbortSignal): Promise<ReachableHosts> {
    const results = await Promise.allSettled(this.hosts.map((host) => host.client(signal)));
    const hosts: LibvirtHost[] = [];
    const unreachable: { host: LibvirtHost; error: HypervisorError }[] = [];
    results.forEach((result, index) => {
      const host = this.hosts[index]!;
      if (result.status === 'fulfilled') hosts.push(host);
      else unreachable.push({ host, error: toHypervisorError(result.reason, host.display) });
    });
    if (signal?.aborted) throw signal.reason;
    this.#checkNames();
    return { hosts, unreachable };
  }

  /** Every host that answers; UNAVAILABLE (naming each) when none does. */
  async online(signal?: AbortSignal): Promise<readonly LibvirtHost[]> {
    const { hosts, unreachable } = await this.reachable(signal);
    if (hosts.length === 0) {
      throw new UnavailableError(
        `no host of the target answers: ${unreachable.map((u) => u.error.message).join('; ')}`,
        { cause: unreachable[0]?.error },
      );
    }
    return hosts;
  }

  /** The host called `node`; NOT_FOUND when the target has none (hosts not reached yet are connected to learn it). */
  async byNode(node: string, signal?: AbortSignal): Promise<LibvirtHost> {
    const known = this.hosts.find((host) => host.nodeName === node);
    if (known !== undefined) return known;
    if (this.hosts.some((host) => host.nodeName === undefined)) {
      await this.reachable(signal);
      const found = this.hosts.find((host) => this.nodeName(host) === node);
      if (found !== undefined) return found;
    }
    throw new NotFoundError(`node ${node} not found: the target's nodes are ${this.#names().join(', ')}`, {
      details: { node },
    });
  }

  /** Closes every host's connection. */
  async close(): Promise<void> {
    await Promise.all(this.hosts.map((host) => host.close()));
  }

  #names(): string[] {
    return this.hosts.map((host) => this.nodeName(host));
  }

  #checkNames(): void {
    const seen = new Map<string, number>();
    for (const host of this.hosts) {
      const name = this.nodeName(host);
      const other = seen.get(name);
      if (other !== undefined) {
        throw new InvalidArgumentError(
          `hosts ${other} and ${host.index} of the target are both called ${name}: give each a \`name\``,
          {
            violations: [
              { field: `hosts.${host.index}.name`, message: `hosts.${other} is called ${name} too` },
            ],
          },
        );
      }
      seen.set(name, host.index);
    }
  }
}
