/** The id of the Proxmox target the bench's server serves. */
export const BENCH_TARGET_ID = 'bench-pve';

/**
 * The id of the memory target beside it: a connector that answers from memory, as the bare baseline does, so
 * hvc-server's own layers are measured without a hypervisor read.
 */
export const BENCH_MEMORY_TARGET_ID = 'bench-memory';

/** What the bench sends the server process to start it: the Proxmox target it serves, on the responder. */
export interface ServerLaunch {
  readonly origin: string;
  /** PEM of the responder's certificate, trusted as the target's CA. */
  readonly certFile: string;
  readonly tokenId: string;
  readonly tokenSecret: string;
  /** Most requests in flight to the target (the connector's concurrency). */
  readonly concurrency: number;
  /** The guests the bench asks for: their answers are recorded for the bare baseline. */
  readonly guestIds: readonly string[];
  /**
   * More organisations, each with its own operator and targets on the same responder (the scale scenario); their
   * tokens come back in {@link ServerReady.tenants}.
   */
  readonly tenants?: { readonly organisations: number; readonly targetsPerOrganisation: number };
}

/** One organisation of the scale scenario: its operator's token and its targets. */
export interface TenantAccess {
  readonly organizationId: string;
  readonly token: string;
  readonly targetIds: readonly string[];
}

/** A command to the server process; each gets one reply with the same id. */
export interface ServerCommand {
  readonly id: number;
  /**
   * `cpu`: CPU time used since the previous `cpu`; `micros`: the per-request costs measured alone;
   * `profile-start` / `profile-stop`: the V8 sampling profiler over the process, written to `profileFile`.
   */
  readonly cmd: 'cpu' | 'memory' | 'micros' | 'profile-start' | 'profile-stop' | 'close';
  /** For `profile-stop`: where to write the `.cpuprofile`. */
  readonly profileFile?: string;
  readonly runs?: number;
  readonly runMs?: number;
  readonly warmupMs?: number;
}

/** The reply to a {@link ServerCommand}; `error` when it failed. */
export interface ServerReply {
  readonly id: number;
  readonly error?: string;
  /** For `cpu`: microseconds of CPU (user + system) since the previous `cpu`. */
  readonly cpuMicros?: number;
  /** For `memory`: the server process's resident set and V8 heap in use, bytes. */
  readonly rssBytes?: number;
  readonly heapUsedBytes?: number;
  /** For `micros`: one JWT verification and one user lookup, µs each. */
  readonly jwtVerifyMicros?: number;
  readonly userLookupMicros?: number;
  /** For `profile-stop`: the functions with the most self time. */
  readonly profileTop?: ReadonlyArray<{
    readonly name: string;
    readonly where: string;
    readonly share: number;
  }>;
}

/** The first message of the server process: where it listens and a token for the bench's operator. */
export interface ServerReady {
  readonly url: string;
  /** The bare ConnectRPC baseline's base URL (same process, same listener, answers from memory). */
  readonly bareUrl: string;
  /**
   * The same baseline, except that each call first reads the guest through a Proxmox connector of the same config
   * as the server's target (`getGuest`), as hvc-server does.
   */
  readonly bareReadUrl: string;
  readonly token: string;
  /** The guests of the memory target {@link BENCH_MEMORY_TARGET_ID} (as many as `guestIds`). */
  readonly memoryGuestIds: readonly string[];
  /** The organisations of {@link ServerLaunch.tenants}. */
  readonly tenants?: readonly TenantAccess[];
}
