import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../src/bootstrap/server-config.js';
import { type RunningServer, startServer } from '../src/bootstrap/start-server.js';
import { createLogger } from '../src/observability/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'hvc-server-info-'));
const running: RunningServer[] = [];
// An issuer nobody listens on: the server starts without its keys (tokens refused), which discovery does not need.
const ISSUER = 'http://127.0.0.1:9/';

async function serve(env: Record<string, string>): Promise<RunningServer> {
  const server = await startServer(
    loadServerConfig({
      HVC_PORT: '0',
      HVC_DATABASE_FILE: join(dir, `${running.length}.sqlite`),
      HVC_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ...env,
    }),
    { logger: createLogger({ level: 'silent' }) },
  );
  running.push(server);
  return server;
}

afterAll(async () => {
  await Promise.all(running.map((server) => server.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /.well-known/hvc', () => {
  it('tells a client without a token where to log in: issuer, public client id, audience, scope', async () => {
    const server = await serve({
      HVC_OIDC_ISSUER: ISSUER,
      HVC_OIDC_AUDIENCE: 'urn:hvc:api',
      // Digits only: a client id stays a string.
      HVC_LOGIN_CLIENT_ID: '0123456789',
    });
    const res = await fetch(`${server.url}/.well-known/hvc`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      apiVersion: 'hvc.v1',
      login: {
        issuer: ISSUER,
        clientId: '0123456789',
        audience: 'urn:hvc:api',
        scope: 'openid offline_access',
      },
    });
    // Everything else still needs a token.
    const api = await fetch(`${server.url}/hvc.v1.TargetService/ListTargets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(api.status).toBe(401);
  });

  it('names only the API version when no login client is configured', async () => {
    const server = await serve({});
    expect(await (await fetch(`${server.url}/.well-known/hvc`)).json()).toEqual({ apiVersion: 'hvc.v1' });
  });

  it('takes the login issuer, audience and scope from their settings', async () => {
    const server = await serve({
      HVC_OIDC_ISSUER: ISSUER,
      HVC_OIDC_AUDIENCE: 'urn:hvc:api',
      HVC_LOGIN_CLIENT_ID: 'hvc-cli',
      HVC_LOGIN_ISSUER: ISSUER,
      HVC_LOGIN_AUDIENCE: 'urn:hvc:other',
      HVC_LOGIN_SCOPE: 'openid',
    });
    expect(await (await fetch(`${server.url}/.well-known/hvc`)).json()).toMatchObject({
      login: { issuer: ISSUER, clientId: 'hvc-cli', audience: 'urn:hvc:other', scope: 'openid' },
    });
  });

  it('refuses to start with a login issuer the server does not trust, or none at all', async () => {
    await expect(
      serve({
        HVC_OIDC_ISSUER: ISSUER,
        HVC_OIDC_AUDIENCE: 'urn:hvc:api',
        HVC_LOGIN_CLIENT_ID: 'hvc-cli',
        HVC_LOGIN_ISSUER: 'https://login.example.com/',
      }),
    ).rejects.toThrow('HVC_LOGIN_ISSUER');
    await expect(serve({ HVC_LOGIN_CLIENT_ID: 'hvc-cli' })).rejects.toThrow('HVC_OIDC_ISSUER');
  });
});
