import type { GuestType, HypervisorConnector, OperationType } from '@hvc/hypervisor-connector';
import { createPveFake, DEFAULT_OSTEMPLATE, type PveFake, type PveFakeServer } from '@hvc/pve-fake';
import { createProxmoxConnector, type ProxmoxConfigInput } from '../../src/index.js';
import { decodeOperationId, encodeOperationId } from '../../src/tasks/operation-id.js';

/** How a test connector authenticates. */
export type AuthMode = 'token' | 'ticket';

/** A PVE fake served over loopback HTTPS, and what a connector needs to reach it. */
export interface FakeTarget {
  readonly fake: PveFake;
  readonly server: PveFakeServer;
  /** A connector to the fake, pinned to its certificate. */
  connect(auth: AuthMode, extra?: Partial<ProxmoxConfigInput>): ReturnType<typeof createProxmoxConnector>;
  /** A connector for a user (ticket) or token (privilege separated) that holds only PVEVMUser on `/`. */
  connectRestricted(
    auth: AuthMode,
    extra?: Partial<ProxmoxConfigInput>,
  ): ReturnType<typeof createProxmoxConnector>;
  close(): Promise<void>;
}

/** Guests every fake target starts with: templates to clone from, running and stopped guests of both types. */
const SEEDS = [
  { type: 'qemu', vmid: 9000, name: 'kit-template-vm', template: true, node: 'pve1' },
  { type: 'lxc', vmid: 9001, name: 'kit-template-ct', template: true, node: 'pve1' },
  { type: 'qemu', vmid: 100, name: 'seed-vm-running', status: 'running', node: 'pve1' },
  { type: 'qemu', vmid: 101, name: 'seed-vm-stopped', node: 'pve2' },
  { type: 'lxc', vmid: 102, name: 'seed-ct-running', status: 'running', node: 'pve2' },
  { type: 'lxc', vmid: 103, name: 'seed-ct-stopped', node: 'pve3' },
] as const;

/** Starts a 3-node PVE fake over HTTPS with the kit's seeds. */
export async function startFakeTarget(
  options: { taskDurationMs?: number; pveVersion?: 8 | 9; workerStartMs?: number } = {},
): Promise<FakeTarget> {
  const fake = createPveFake({
    nodes: 3,
    guests: SEEDS,
    pools: ['kit-pool'],
    taskDurationMs: options.taskDurationMs ?? 20,
    ...(options.pveVersion === undefined ? {} : { pveVersion: options.pveVersion }),
    ...(options.workerStartMs === undefined ? {} : { workerStartMs: options.workerStartMs }),
  });
  const server = await fake.listen();
  fake.addUser({ userid: 'kit@pve', password: 'kit-user-password' });
  fake.setAcl({ path: '/', roles: 'PVEVMUser', user: 'kit@pve' });
  const restrictedToken = fake.addToken('root@pam', 'restricted', { privsep: true });
  fake.setAcl({ path: '/', roles: 'PVEVMUser', token: restrictedToken.tokenId });

  const base = (credentials: ProxmoxConfigInput['credentials'], extra: Partial<ProxmoxConfigInput>) =>
    createProxmoxConnector({
      endpoints: [server.url],
      credentials,
      tls: { fingerprint: server.fingerprint },
      tasks: { initialIntervalMs: 10, maxIntervalMs: 100, noSuchTaskGraceMs: 5_000 },
      ...extra,
    });
  const { credentials } = fake;
  return {
    fake,
    server,
    connect: (auth, extra = {}) =>
      base(
        auth === 'token'
          ? { tokenId: credentials.tokenId, secret: credentials.tokenSecret }
          : { username: credentials.username, password: credentials.password },
        extra,
      ),
    connectRestricted: (auth, extra = {}) =>
      base(
        auth === 'token'
          ? { tokenId: restrictedToken.tokenId, secret: restrictedToken.secret }
          : { username: 'kit@pve', password: 'kit-user-password' },
        extra,
      ),
    close: () => fake.close(),
  };
}

/** The PVE task type an operation of the contract runs as. */
export function pveTaskType(type: OperationType, guest: 'qemu' | 'lxc'): string | undefined {
  const qemu: Partial<Record<OperationType, string>> = {
    create: 'qmcreate',
    clone: 'qmclone',
    delete: 'qmdestroy',
    start: 'qmstart',
    stop: 'qmstop',
    shutdown: 'qmshutdown',
    reboot: 'qmreboot',
    reset: 'qmreset',
    suspend: 'qmpause',
    resume: 'qmresume',
    migrate: 'qmigrate',
    'snapshot.create': 'qmsnapshot',
    'snapshot.rollback': 'qmrollback',
    'snapshot.delete': 'qmdelsnapshot',
  };
  const lxc: Partial<Record<OperationType, string>> = {
    create: 'vzcreate',
    clone: 'vzclone',
    delete: 'vzdestroy',
    start: 'vzstart',
    stop: 'vzstop',
    shutdown: 'vzshutdown',
    reboot: 'vzreboot',
    suspend: 'vzsuspend',
    resume: 'vzresume',
    migrate: 'vzmigrate',
    'snapshot.create': 'vzsnapshot',
    'snapshot.rollback': 'vzrollback',
    'snapshot.delete': 'vzdelsnapshot',
  };
  return (guest === 'qemu' ? qemu : lxc)[type];
}

/** Guest specs the kit creates from. */
export const KIT_SPECS = {
  vm: (name: string) => ({
    type: 'vm' as const,
    name,
    cpus: 1,
    memoryMiB: 512,
    disks: [{ sizeGiB: 4 }],
    nics: [{ bridge: 'vmbr0' }],
  }),
  container: (name: string) => ({
    type: 'container' as const,
    name,
    osTemplate: DEFAULT_OSTEMPLATE,
    memoryMiB: 256,
    disks: [{ sizeGiB: 4 }],
    nics: [{ bridge: 'vmbr0' }],
  }),
} satisfies Record<GuestType, (name: string) => unknown>;

/** An operation id our connector accepts but the fake never ran: a task of 2020 on a real node. */
export const UNKNOWN_OPERATION_ID = encodeOperationId({
  type: 'start',
  guestId: 'qemu/100',
  upid: 'UPID:pve1:00000754:00009421:5FBE5DD2:qmstart:100:root@pam:',
});

/** The vmid of a guest id. */
export function vmidOf(guestId: string): number {
  return Number(guestId.split('/')[1]);
}

/** Guards that an operation id decodes (so a typo in a test shows clearly). */
export function operationGuest(operationId: string): string | undefined {
  return decodeOperationId(operationId).guestId;
}

/** Closes connectors made in a test. */
export async function closeAll(connectors: readonly HypervisorConnector[]): Promise<void> {
  await Promise.all(connectors.map((connector) => connector.close()));
}
