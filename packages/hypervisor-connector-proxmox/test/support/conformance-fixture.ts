import type { ConformanceFixture } from '@hvc/hypervisor-connector-conformance';
import { proxmoxConnectorFactory } from '../../src/index.js';
import {
  type AuthMode,
  type FakeTarget,
  KIT_SPECS,
  pveTaskType,
  startFakeTarget,
  UNKNOWN_OPERATION_ID,
  vmidOf,
} from './pve-fake-target.js';

/** The fakes a conformance run uses: one with quick tasks, one whose tasks last a second. */
export interface ConformanceTargets {
  target?: FakeTarget;
  slow?: FakeTarget;
}

/** Starts the fakes of a conformance run. */
export async function startConformanceTargets(targets: ConformanceTargets): Promise<void> {
  [targets.target, targets.slow] = await Promise.all([
    startFakeTarget(),
    startFakeTarget({ taskDurationMs: 1_000 }),
  ]);
}

/** Stops them. */
export async function stopConformanceTargets(targets: ConformanceTargets): Promise<void> {
  await Promise.all([targets.target?.close(), targets.slow?.close()]);
}

/**
 * The kit's fixture for one auth mode and guest type, over the fake's loopback HTTPS with fingerprint pinning. For
 * QEMU the connector has its default config (VMs and containers; the kit's "any guest" is then a VM, and it also
 * creates a container); for LXC it is scoped to containers (`guestTypes`), so every case runs on containers.
 */
export function proxmoxFixture(
  targets: ConformanceTargets,
  auth: AuthMode,
  guests: 'qemu' | 'lxc',
): ConformanceFixture {
  const extra = guests === 'qemu' ? {} : { guestTypes: ['container' as const] };
  const target = () => {
    if (!targets.target) throw new Error('the conformance targets are not started');
    return targets.target;
  };
  const slow = () => {
    if (!targets.slow) throw new Error('the conformance targets are not started');
    return targets.slow;
  };
  return {
    name: `proxmox (${auth} auth, ${guests === 'qemu' ? 'QEMU' : 'LXC'}) over the PVE fake`,
    connect: () => target().connect(auth, extra),
    ...(guests === 'qemu' ? { vmSpec: KIT_SPECS.vm } : {}),
    containerSpec: KIT_SPECS.container,
    templateGuestId: () => (guests === 'qemu' ? 'qemu/9000' : 'lxc/9001'),
    pool: 'kit-pool',
    unknownOperationId: UNKNOWN_OPERATION_ID,
    connectRestricted: () => target().connectRestricted(auth, extra),
    injectOperationFailure: (_connector, { type, guestId }) => {
      const taskType = pveTaskType(type, guests);
      target().fake.failNextTask({
        ...(taskType === undefined ? {} : { type: taskType }),
        ...(guestId === undefined ? {} : { vmid: vmidOf(guestId) }),
        message: 'injected by the conformance kit',
      });
    },
    slowOperations: { connect: () => slow().connect(auth, extra) },
    factory: {
      factory: proxmoxConnectorFactory,
      get config() {
        const { server, fake } = target();
        return {
          endpoints: [server.url],
          credentials:
            auth === 'token'
              ? { tokenId: fake.credentials.tokenId, secret: fake.credentials.tokenSecret }
              : { username: fake.credentials.username, password: fake.credentials.password },
          tls: { fingerprint: server.fingerprint },
          ...extra,
        };
      },
    },
  };
}
