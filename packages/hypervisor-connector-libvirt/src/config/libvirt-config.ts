import { parseInput, ResourceNameSchema } from '@hvc/hypervisor-connector';
import { z } from 'zod';
import { unpairedTlsKeys, withCredentials } from './config-credentials.js';
import {
  LibvirtCredentialsSchema,
  type LibvirtHostConfig,
  type LibvirtHostObjectSchema,
  LibvirtHostSchema,
  LibvirtSshConfigSchema,
  LibvirtTlsConfigSchema,
} from './host-config.js';

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

/** Keepalive: a ping after `intervalMs` of silence; the host is declared dead after `intervalMs × count`. */
const KeepaliveSchema = z.union([
  z.literal(false),
  z.strictObject({ intervalMs: ms(100, 600_000), count: z.number().int().min(1).max(100) }),
]);

/** ACPI shutdowns (and reboots): how long to wait for the guest, and how often to press the button again. */
const ShutdownSchema = z.strictObject({
  /** The guest must be off within this, or the operation fails with TIMEOUT (the guest is left running). */
  timeoutMs: ms(1_000, 3_600_000).default(120_000),
  /** A press the guest missed (its OS still booting) is repeated after this long. */
  repressMs: ms(200, 600_000).default(3_000),
});

/** Defaults of new guests; each is taken from the host's capabilities when absent. */
const GuestDefaultsSchema = z.strictObject({
  /** `<domain type>`: `kvm` when the host offers it, else `qemu` (TCG). */
  domainType: z
    .string()
    .regex(/^[a-z][a-z0-9]*$/, 'not a libvirt domain type')
    .optional(),
  /** The guest architecture; the host's own by default. */
  arch: z
    .string()
    .regex(/^[a-z0-9_]+$/, 'not an architecture name')
    .optional(),
  /** The machine type, e.g. `q35`; libvirt's default for the architecture when absent. */
  machine: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'not a machine type')
    .optional(),
  /** The QEMU binary (an absolute path on the hosts); the host's for the domain type when absent. */
  emulator: z
    .string()
    .regex(/^\/[^\0]*$/, 'not an absolute path')
    .optional(),
});

/** Consoles. */
const ConsoleSchema = z.strictObject({
  /** How long a console ticket (a VNC password, a terminal ticket) stays valid. */
  ticketTtlMs: ms(1_000, 86_400_000).default(60_000),
  /**
   * A VNC server started without a password cannot take a one-time one (QEMU refuses to set it): `refuse` (the
   * default) answers CONFLICT; `allow` hands out the endpoint anyway, open to whoever reaches it.
   */
  vncWithoutPassword: z.enum(['refuse', 'allow']).default('refuse'),
});

/** Operation waits. */
const OperationsSchema = z.strictObject({
  /** Polls of a wait start this far apart (events wake a wait earlier) and grow by half up to `maxPollMs`. */
  pollMs: ms(10, 60_000).default(250),
  maxPollMs: ms(10, 300_000).default(2_000),
  /**
   * An operation another process started is judged from libvirt's state alone; when that state has not come
   * within this long of the start, the operation is reported failed (its outcome unknown).
   */
  settleMs: ms(1_000, 86_400_000).default(120_000),
  /** How many ended operations this process remembers exactly; older ones are judged from libvirt's state. */
  keepEnded: z.number().int().min(0).max(1_000_000).default(1_000),
});

const ConfigObjectSchema = z
  .strictObject({
    /** The hosts of the target: libvirt URIs, or objects with per-host settings. */
    hosts: z.array(LibvirtHostSchema).min(1).max(64),
    /** The storage pool of new disks (a `dir` pool of this name and path on every host: shared storage). */
    pool: ResourceNameSchema.default('default'),
    /**
     * Whether `pool` is the same storage on every host (the convention). Live migrations of guests whose disks
     * are all in it then pass `VIR_MIGRATE_UNSAFE`; otherwise they need a storage copy.
     */
    sharedPool: z.boolean().default(true),
    /** A NIC whose `bridge` names this libvirt network joins the network; any other name is a host bridge. */
    network: ResourceNameSchema.default('default'),
    /** Open every host read-only: reads, metrics and waits only; every write is UNSUPPORTED. */
    readOnly: z.boolean().default(false),
    /** TLS settings of every `qemu+tls` host (a host's own `tls` wins). */
    tls: LibvirtTlsConfigSchema.optional(),
    /** SSH settings of every `qemu+ssh` host (a host's own `ssh` wins). */
    ssh: LibvirtSshConfigSchema.optional(),
    /** Secrets kept apart from the settings: they fill `privateKey`, `key` and passphrases every host lacks. */
    credentials: LibvirtCredentialsSchema.optional(),
    /** Deadline of connecting to a host and libvirt's opening handshake. */
    connectTimeoutMs: ms(100, 120_000).default(10_000),
    /** libvirt's keepalive (default 5 s × 5, as libvirt's own); `false` turns it off. */
    keepalive: KeepaliveSchema.default({ intervalMs: 5_000, count: 5 }),
    shutdown: ShutdownSchema.default({ timeoutMs: 120_000, repressMs: 3_000 }),
    guestDefaults: GuestDefaultsSchema.default({}),
    console: ConsoleSchema.default({ ticketTtlMs: 60_000, vncWithoutPassword: 'refuse' }),
    operations: OperationsSchema.default({
      pollMs: 250,
      maxPollMs: 2_000,
      settleMs: 120_000,
      keepEnded: 1_000,
    }),
    /** The window over which `getMetrics` measures CPU load and rates when it has no recent sample. */
    metricsWindowMs: ms(100, 60_000).default(1_000),
  })
  .superRefine((config, ctx) => {
    for (const path of unpairedTlsKeys(config))
      ctx.addIssue({ code: 'custom', path, message: '`cert` and `key` go together' });
    const seen = new Map<string, number>();
    config.hosts.forEach((host, index) => {
      if (host.name === undefined) return;
      const first = seen.get(host.name);
      if (first === undefined) seen.set(host.name, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['hosts', index, 'name'],
          message: `hosts.${first} has it too`,
        });
    });
  })
  .transform(withCredentials);

/** A parsed libvirt target config, defaults applied. */
export type LibvirtConfig = z.output<typeof ConfigObjectSchema>;

/** A libvirt target config as written: hosts as URIs or objects, every other field optional. */
export type LibvirtConfigInput = Omit<z.input<typeof ConfigObjectSchema>, 'hosts'> & {
  readonly hosts: readonly (string | z.input<typeof LibvirtHostObjectSchema>)[];
};

/**
 * The configuration of one libvirt target: its hosts (one `LibvirtClient` each) and how guests are made on them.
 * Plain data; the factory's `configSchema`, errors naming each field (`hosts.1.uri: unsupported transport 'x'`).
 * Defaults are filled in on output.
 */
// A host's string form is widened by a preprocess step, whose input zod types as unknown: the input type is named.
export const LibvirtConfigSchema = ConfigObjectSchema as unknown as z.ZodType<
  LibvirtConfig,
  LibvirtConfigInput
>;

export type { LibvirtHostConfig };

/** Validates `input` (INVALID_ARGUMENT naming each bad field) and applies the defaults. */
export function parseLibvirtConfig(input: LibvirtConfigInput): LibvirtConfig {
  return parseInput(ConfigObjectSchema, input, 'libvirt connector config');
}
