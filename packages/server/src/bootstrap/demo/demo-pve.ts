import { createPveFake } from '@hvc/pve-fake';
import { z } from 'zod';
import { ConfigError } from '../server-config.js';
import type { DemoPve } from './demo-seed.js';

/** The demo's Proxmox VE cluster, the guest the banner points at, and how to stop it. */
export interface DemoCluster {
  readonly pve: DemoPve;
  /** Name of the guest the banner's calls use. */
  readonly guestName?: string;
  close(): Promise<void>;
}

/** The fields of `hvc-pve-fake`'s ready line that the demo uses. */
const FakeReadyLine = z.object({
  url: z.string().url(),
  fingerprint: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
  tokenId: z.string().min(1),
  tokenSecret: z.string().min(1),
});

/** The newest requests the demo's own fake keeps in its log: a demo left running stays the same size. */
const DEMO_REQUEST_LOG_LIMIT = 1_000;

/**
 * `HVC_DEMO_PVE` set to the ready line of a running `hvc-pve-fake`: that fake, in its own process (the soak measures
 * the server alone this way). Otherwise a fake in this process: two nodes, VMs `web-1` and `db-1`, container `cache-1`.
 */
export async function startDemoCluster(env: NodeJS.ProcessEnv): Promise<DemoCluster> {
  if (env.HVC_DEMO_PVE !== undefined) {
    let line: unknown;
    try {
      line = JSON.parse(env.HVC_DEMO_PVE);
    } catch {
      throw new ConfigError('HVC_DEMO_PVE: not JSON (expected the ready line of hvc-pve-fake)');
    }
    const parsed = FakeReadyLine.safeParse(line);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') ?? '';
      throw new ConfigError(`HVC_DEMO_PVE.${field}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    return { pve: parsed.data, close: async () => {} };
  }
  const fake = createPveFake({
    nodes: 2,
    guests: [
      { type: 'qemu', vmid: 100, name: 'web-1', status: 'stopped' },
      { type: 'qemu', vmid: 101, name: 'db-1', status: 'running' },
      { type: 'lxc', vmid: 200, name: 'cache-1', status: 'running' },
    ],
    taskDurationMs: 1_500,
    requestLogLimit: DEMO_REQUEST_LOG_LIMIT,
  });
  const server = await fake.listen();
  return {
    pve: {
      url: server.url,
      fingerprint: server.fingerprint,
      tokenId: fake.credentials.tokenId,
      tokenSecret: fake.credentials.tokenSecret,
    },
    guestName: 'web-1',
    close: () => fake.close(),
  };
}
