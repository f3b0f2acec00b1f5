import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import type { LibvirtConfigInput } from '../../../src/config/libvirt-config.js';
import { createLibvirtConnector, type LibvirtConnector } from '../../../src/connector/libvirt-connector.js';
import type { LabFacts } from '../../lab/lab-facts.js';
import { labTargetConfig, tinyVmSpec } from './lab-target.js';

/** A name no other test uses. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/**
 * Connectors and tiny guests of one test file on a lab: every connector is closed and every guest made through
 * {@link createTinyGuest} is stopped and deleted by {@link dispose}.
 */
export class LiveGuests {
  readonly #lab: LabFacts;
  readonly #target: Partial<LibvirtConfigInput>;
  readonly #connectors: LibvirtConnector[] = [];
  readonly #guests = new Set<string>();

  /** `target`: what every connector's configuration changes from `labTargetConfig` (other hosts, say). */
  constructor(lab: LabFacts, target: Partial<LibvirtConfigInput> = {}) {
    this.#lab = lab;
    this.#target = target;
  }

  /** A connector on the lab's hosts (see `labTargetConfig`). */
  connect(extra: Partial<LibvirtConfigInput> = {}): LibvirtConnector {
    const connector = createLibvirtConnector(labTargetConfig(this.#lab, { ...this.#target, ...extra }));
    this.#connectors.push(connector);
    return connector;
  }

  /** Creates the tiny guest through `connector` and waits; returns its id. */
  async createTinyGuest(
    connector: LibvirtConnector,
    options: { readonly start?: boolean; readonly node?: string; readonly template?: boolean } = {},
  ): Promise<{ id: string; name: string }> {
    const name = uniqueName('live');
    const spec = tinyVmSpec(this.#lab, name);
    const libvirt = { ...spec.providerOptions?.libvirt, ...(options.template ? { template: true } : {}) };
    const operation = await connector.createGuest({
      ...spec,
      start: options.start ?? false,
      ...(options.node === undefined ? {} : { node: options.node }),
      providerOptions: { libvirt },
    });
    this.track(operation.guestId!);
    await connector.waitForOperation(operation.id, { timeoutMs: 30_000 });
    return { id: operation.guestId!, name };
  }

  /** Deletes guest `id` when the file ends. */
  track(id: string): void {
    this.#guests.add(id);
  }

  /** Stops and deletes the tracked guests (whatever state they are in), then closes every connector. */
  async dispose(): Promise<void> {
    const connector = createLibvirtConnector(labTargetConfig(this.#lab, this.#target));
    try {
      for (const id of this.#guests) {
        try {
          const guest = await connector.getGuest(id);
          if (guest.state !== 'stopped') {
            await connector.waitForOperation((await connector.stopGuest(id)).id, { timeoutMs: 30_000 });
          }
          await connector.waitForOperation((await connector.deleteGuest(id)).id, { timeoutMs: 30_000 });
        } catch (error) {
          if (!isHypervisorError(error, 'NOT_FOUND')) throw error;
        }
      }
    } finally {
      await Promise.all([connector, ...this.#connectors].map((c) => c.close()));
    }
  }
}

/**
 * The security types a VNC server offers (RFB 3.8 handshake): 1 is none, 2 is VNC password authentication.
 */
export function vncSecurityTypes(host: string, port: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let received = Buffer.alloc(0);
    let greeted = false;
    socket.setTimeout(10_000, () => socket.destroy(new Error('VNC handshake timed out')));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!greeted && received.length >= 12) {
        greeted = true;
        received = received.subarray(12);
        socket.write('RFB 003.008\n');
      }
      if (greeted && received.length >= 1 && received.length >= 1 + received[0]!) {
        resolve([...received.subarray(1, 1 + received[0]!)]);
        socket.destroy();
      }
    });
  });
}
