import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startDevIssuer } from '../../authn/dev-issuer.js';
import { isLoopbackHost } from '../../authn/loopback.js';
import { createLogger } from '../../observability/logger.js';
import { createCredentialCipher } from '../../storage/credential-cipher.js';
import { loadServerConfig } from '../server-config.js';
import { startServer } from '../start-server.js';
import { demoBanner } from './demo-banner.js';
import { startDemoCluster } from './demo-pve.js';
import { DEMO, seedDemo } from './demo-seed.js';

/** How the demo reports that it is ready. */
export interface DemoOptions {
  /** Print one JSON line (`url`, the three tokens, `targetId`, `guestId`) instead of the banner. */
  readonly json: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Resolves when the demo should stop. */
  readonly until: Promise<unknown>;
}

/** The `proto` folder of `@hvc/client`, where the `hvc.v1` definitions live (for `buf curl --schema`). */
function protoDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('@hvc/client/package.json')), 'proto');
}

/**
 * `hvc-server demo`: a fake Proxmox VE cluster over HTTPS (or the running `hvc-pve-fake` that `HVC_DEMO_PVE` names),
 * the dev issuer, a throwaway SQLite file, organisations `demo` (an admin, a viewer, one Proxmox target) and `other`
 * (one admin), served on loopback until `until`. Refuses `NODE_ENV=production` and non-loopback addresses.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const config = loadServerConfig({
    HVC_PORT: '8080',
    ...options.env,
    HVC_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  });
  if (options.env.NODE_ENV === 'production')
    throw new Error('the demo refuses to run with NODE_ENV=production');
  if (!isLoopbackHost(config.listen.host))
    throw new Error('the demo refuses to listen on a non-loopback address');
  const dir = mkdtempSync(join(tmpdir(), 'hvc-demo-'));
  const logger = createLogger({ level: config.logLevel, destination: options.stderr });
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(dir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step();
  };
  try {
    const cluster = await startDemoCluster(options.env);
    cleanups.push(() => cluster.close());
    const issuer = await startDevIssuer({ audience: 'urn:hvc:demo', env: options.env });
    cleanups.push(() => issuer.close());
    const server = await startServer(
      {
        ...config,
        database: { file: join(dir, 'hvc.sqlite') },
        connectors: { ...config.connectors, allowMemory: true },
        metrics: { host: config.listen.host, port: config.metrics.port ?? 0 },
      },
      { devIssuer: issuer, cipher: createCredentialCipher(randomBytes(32)), logger },
    );
    cleanups.push(() => server.close());
    const target = await seedDemo(server.store, issuer.issuer, cluster.pve);
    const guests = await (await server.resolver.resolve(target.key)).listGuests(
      cluster.guestName === undefined ? {} : { namePrefix: cluster.guestName },
    );
    const info = {
      url: server.url,
      metricsUrl: server.metricsUrl ?? '',
      adminToken: await issuer.mint(DEMO.admin),
      viewerToken: await issuer.mint(DEMO.viewer),
      otherOrgToken: await issuer.mint(DEMO.otherAdmin),
      targetId: DEMO.targetId,
      guestId: guests[0]?.id ?? '',
    };
    options.stdout.write(options.json ? `${JSON.stringify(info)}\n` : demoBanner(info, protoDir()));
    await options.until;
  } finally {
    await cleanup();
  }
}
