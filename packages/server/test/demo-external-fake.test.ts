import { PassThrough } from 'node:stream';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { GuestService } from '@hvc/client/v1';
import { createPveFake } from '@hvc/pve-fake';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/bootstrap/demo/run-demo.js';
import { ConfigError } from '../src/bootstrap/server-config.js';

interface DemoLine {
  url: string;
  viewerToken: string;
  targetId: string;
  guestId: string;
}

/** Starts the demo in this process and resolves with its JSON line; `stop()` ends it. */
function startDemo(env: NodeJS.ProcessEnv) {
  const out = new PassThrough();
  let stop!: () => void;
  const until = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const line = new Promise<DemoLine>((resolve) => {
    out.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString('utf8')) as DemoLine));
  });
  const running = runDemo({
    json: true,
    env: { HVC_PORT: '0', HVC_LOG_LEVEL: 'warn', ...env },
    stdout: out,
    stderr: new PassThrough(),
    until,
  });
  return { line, running, stop };
}

describe('hvc-server demo with HVC_DEMO_PVE', () => {
  it('serves the running Proxmox VE fake that HVC_DEMO_PVE names instead of starting its own', {
    timeout: 60_000,
  }, async () => {
    const fake = createPveFake({ nodes: 2, guests: { qemu: 2, lxc: 1 } });
    const pve = await fake.listen();
    const demo = startDemo({
      HVC_DEMO_PVE: JSON.stringify({
        url: pve.url,
        fingerprint: pve.fingerprint,
        tokenId: fake.credentials.tokenId,
        tokenSecret: fake.credentials.tokenSecret,
      }),
    });
    try {
      const info = await Promise.race([
        demo.line,
        demo.running.then(() => Promise.reject(new Error('stopped'))),
      ]);
      const guests = createClient(
        GuestService,
        createConnectTransport({ baseUrl: info.url, httpVersion: '1.1' }),
      );
      const before = fake.requests.length;
      const listed = await guests.listGuests(
        { targetId: info.targetId },
        { headers: { authorization: `Bearer ${info.viewerToken}` } },
      );
      expect(listed.guests.map((g) => g.name).sort()).toEqual(['ct-102', 'vm-100', 'vm-101']);
      expect(listed.guests.map((g) => g.id)).toContain(info.guestId);
      expect(fake.requests.length).toBeGreaterThan(before);
    } finally {
      demo.stop();
      await demo.running;
      await fake.close();
    }
  });

  it('refuses an HVC_DEMO_PVE that is not a ready line of hvc-pve-fake, naming the field, without its value', async () => {
    const cases: Array<[string, RegExp]> = [
      ['not json', /HVC_DEMO_PVE: not JSON/],
      [
        JSON.stringify({
          url: 'https://127.0.0.1:1',
          fingerprint: 'AB',
          tokenId: 'x',
          tokenSecret: 's3cr3t',
        }),
        /HVC_DEMO_PVE\.fingerprint/,
      ],
      [
        JSON.stringify({ url: 'https://127.0.0.1:1', fingerprint: `${'AB:'.repeat(31)}AB`, tokenId: 'x' }),
        /HVC_DEMO_PVE\.tokenSecret/,
      ],
    ];
    for (const [value, message] of cases) {
      const demo = startDemo({ HVC_DEMO_PVE: value });
      demo.stop();
      const error = await demo.running.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error)).toMatch(message);
      expect(String(error)).not.toContain('s3cr3t');
    }
  });
});
