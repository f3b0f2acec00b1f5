import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { TargetService } from '@hvc/client/v1';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../src/bootstrap/server-config.js';
import { type RunningServer, startServer } from '../src/bootstrap/start-server.js';
import { createLogger } from '../src/observability/logger.js';

const AUDIENCE = 'urn:hvc:api';
const dir = mkdtempSync(join(tmpdir(), 'hvc-oidc-'));
let issuerServer: Server;
let issuer: string;
let server: RunningServer;

async function clientCredentialsToken(clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: AUDIENCE, scope: 'hvc' }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  // The issuer URL must be known before the provider is built: reserve the port first.
  issuerServer = (await import('node:http')).createServer();
  await new Promise<void>((resolve) => issuerServer.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: ['ci-admin', 'ci-stranger'].map((client_id) => ({
      client_id,
      client_secret: `${client_id}-secret`,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    })),
    scopes: ['hvc'],
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'hvc',
          audience: AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    ttl: { ClientCredentials: 300 },
  });
  issuerServer.on('request', provider.callback());

  server = await startServer(
    loadServerConfig({
      HVC_PORT: '0',
      HVC_DATABASE_FILE: join(dir, 'hvc.sqlite'),
      HVC_ALLOW_MEMORY_CONNECTOR: 'true',
      HVC_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      HVC_OIDC_ISSUER: issuer,
      HVC_OIDC_AUDIENCE: AUDIENCE,
      HVC_OIDC_ALGORITHMS: 'ES256',
      HVC_OIDC_TYP: 'at+jwt',
      HVC_BOOTSTRAP_ORGANIZATION: 'acme',
      HVC_BOOTSTRAP_ADMIN_SUBJECT: 'ci-admin',
    }),
    { logger: createLogger({ level: 'silent' }) },
  );
});

afterAll(async () => {
  await server?.close();
  await new Promise<void>((resolve) => issuerServer?.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('a real OIDC issuer', () => {
  it('authenticates a client-credentials JWT access token end to end', async () => {
    const targets = createClient(TargetService, createGrpcTransport({ baseUrl: server.url }));
    const admin = await clientCredentialsToken('ci-admin', 'ci-admin-secret');
    const created = await targets.createTarget(
      { targetId: 'mem-1', kind: 'memory', config: {} },
      { headers: { authorization: `Bearer ${admin}` } },
    );
    expect(created.target).toMatchObject({ id: 'mem-1', organizationId: 'acme' });
    const listed = await targets.listTargets({}, { headers: { authorization: `Bearer ${admin}` } });
    expect(listed.targets.map((t) => t.id)).toEqual(['mem-1']);

    // A valid token of an identity with no membership is authenticated but denied.
    const stranger = await clientCredentialsToken('ci-stranger', 'ci-stranger-secret');
    await expect(
      targets.listTargets({}, { headers: { authorization: `Bearer ${stranger}` } }),
    ).rejects.toSatisfy((e) => ConnectError.from(e).code === Code.PermissionDenied);
    expect(await server.readiness()).toEqual({
      ready: true,
      checks: { database: true, jwks: true, encryptionKey: true },
    });
  });
});
