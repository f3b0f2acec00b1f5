/**
 * The memory connector kind is for tests and demos: a production `serve` refuses it unless its flag is set. Red-team
 * case 9: `hvc-server serve`, as configured from the environment, accepted memory targets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { TargetService } from '@hvc/client/v1';
import { afterAll, describe, expect, it } from 'vitest';
import { serveFromEnv } from './support/served-from-env.js';

const dir = mkdtempSync(join(tmpdir(), 'hvc-kinds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A server from these variables, and a memory target's creation by its admin. */
async function serve(name: string, env: Record<string, string>) {
  const { server, auth } = await serveFromEnv(dir, name, env);
  const targets = createClient(
    TargetService,
    createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }),
  );
  const create = () => targets.createTarget({ targetId: 'mem-1', kind: 'memory', config: {} }, auth);
  return { server, create };
}

describe('the memory connector kind', () => {
  it('is refused by a production server unless HVC_ALLOW_MEMORY_CONNECTOR is set', async () => {
    const plain = await serve('plain', {});
    try {
      const refused = await plain.create().catch((e: unknown) => ConnectError.from(e));
      expect(refused).toBeInstanceOf(ConnectError);
      expect((refused as ConnectError).code).toBe(Code.InvalidArgument);
      expect((refused as ConnectError).rawMessage).toContain('memory');
      expect(await plain.server.store.targets.get('acme', 'mem-1')).toBeUndefined();
    } finally {
      await plain.server.close();
    }
    const flagged = await serve('flagged', { HVC_ALLOW_MEMORY_CONNECTOR: 'true' });
    try {
      expect((await flagged.create()).target?.kind).toBe('memory');
    } finally {
      await flagged.server.close();
    }
  });
});
