import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrate } from '../src/bootstrap/cli/run-migrate.js';
import { ConfigError, loadServerConfig } from '../src/bootstrap/server-config.js';
import { startServer } from '../src/bootstrap/start-server.js';
import { createLogger } from '../src/observability/logger.js';
import { schemaMigrations } from '../src/storage/migrations.js';

const dir = mkdtempSync(join(tmpdir(), 'hvc-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadServerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('configuration', () => {
  it('applies defaults', () => {
    const config = loadServerConfig({});
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.database.file).toBe('hvc.sqlite');
    expect(config.limits).toEqual({
      readMaxBytes: 1024 * 1024,
      maxDeadlineMs: 300_000,
      maxTokenLength: 8192,
      accessCacheMs: 5_000,
      compressMinBytes: 64 * 1024,
      targetProbesPerMinute: 10,
      targetProbeWindowMs: 5_000,
      idempotencyKeyTtlMs: 86_400_000,
      maxConcurrentStreams: 100,
      maxUnauthenticatedStreams: 256,
      maxUnauthenticatedStreamsPerClient: 16,
      maxConnections: 4_096,
      maxHeaderBytes: 16 * 1024,
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 60_000,
      idleTimeoutMs: 30_000,
    });
    expect(config.connectors).toEqual({ allowMemory: false, allowOperatorSettings: false });
    expect(config.oidc.issuers).toEqual([]);
  });

  it('reads a file and lets HVC_* variables override it', () => {
    const file = join(dir, 'hvc.json');
    writeFileSync(
      file,
      JSON.stringify({
        listen: { port: 9000 },
        oidc: { issuers: [{ issuer: 'https://idp.example', audience: 'urn:hvc', typ: 'at+jwt' }] },
      }),
    );
    const config = loadServerConfig({
      HVC_CONFIG: file,
      HVC_HOST: '0.0.0.0',
      HVC_OIDC_AUDIENCE: 'urn:other',
      HVC_BOOTSTRAP_ORGANIZATION: 'acme',
      HVC_BOOTSTRAP_ADMIN_SUBJECT: 'alice',
      HVC_OIDC_ISSUER: 'https://idp.example',
    });
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(config.oidc.issuers[0]).toMatchObject({
      issuer: 'https://idp.example',
      audience: 'urn:other',
      typ: 'at+jwt',
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 30,
    });
    expect(config.bootstrap).toEqual({
      organization: 'acme',
      adminIssuer: 'https://idp.example',
      adminSubject: 'alice',
    });
  });

  it('reads how long idempotency keys are kept, within a minute and 30 days', () => {
    expect(loadServerConfig({ HVC_IDEMPOTENCY_KEY_TTL_MS: '3600000' }).limits.idempotencyKeyTtlMs).toBe(
      3_600_000,
    );
    expect(configError({ HVC_IDEMPOTENCY_KEY_TTL_MS: '1000' })).toContain('HVC_IDEMPOTENCY_KEY_TTL_MS');
  });

  it('reads the console proxy settings, and refuses bad ones naming their variables', () => {
    expect(loadServerConfig({}).console).toEqual({
      ticketTtlMs: 60_000,
      idleTimeoutMs: 900_000,
      maxSessionMs: 28_800_000,
      maxSessions: 256,
      maxSessionsPerOrganization: 16,
    });
    expect(
      loadServerConfig({
        HVC_CONSOLE_TICKET_TTL_MS: '30000',
        HVC_CONSOLE_IDLE_TIMEOUT_MS: '60000',
        HVC_CONSOLE_MAX_SESSION_MS: '3600000',
        HVC_CONSOLE_MAX_SESSIONS: '100',
        HVC_CONSOLE_MAX_SESSIONS_PER_ORGANIZATION: '5',
        HVC_CONSOLE_PUBLIC_URL: 'wss://hvc.example.com',
        HVC_CONSOLE_ALLOWED_ORIGINS: 'https://portal.example.com, http://localhost:5173',
      }).console,
    ).toEqual({
      ticketTtlMs: 30_000,
      idleTimeoutMs: 60_000,
      maxSessionMs: 3_600_000,
      maxSessions: 100,
      maxSessionsPerOrganization: 5,
      publicUrl: 'wss://hvc.example.com',
      allowedOrigins: ['https://portal.example.com', 'http://localhost:5173'],
    });
    const message = configError({
      HVC_CONSOLE_PUBLIC_URL: 'https://hvc.example.com',
      HVC_CONSOLE_ALLOWED_ORIGINS: 'https://portal.example.com/app',
      HVC_CONSOLE_MAX_SESSIONS: '4',
      HVC_CONSOLE_MAX_SESSIONS_PER_ORGANIZATION: '8',
      HVC_CONSOLE_TICKET_TTL_MS: '10',
    });
    for (const variable of [
      'HVC_CONSOLE_PUBLIC_URL',
      'console.allowedOrigins.0',
      'HVC_CONSOLE_MAX_SESSIONS_PER_ORGANIZATION',
      'HVC_CONSOLE_TICKET_TTL_MS',
    ]) {
      expect(message).toContain(variable);
    }
  });

  it('names every bad setting and its variable, without echoing secrets', () => {
    const message = configError({
      HVC_PORT: '99999',
      HVC_OIDC_ISSUER: 'not a url',
      HVC_OIDC_AUDIENCE: 'urn:hvc',
      HVC_OIDC_ALGORITHMS: 'HS256',
      HVC_SERVICE_TOKEN: 'short-secret-value',
      HVC_SERVICE_TOKEN_ORGANIZATION: 'acme',
      HVC_SERVICE_TOKEN_ROLE: 'root',
    });
    expect(message).toContain('listen.port (HVC_PORT)');
    expect(message).toContain('oidc.issuers.0.issuer (HVC_OIDC_ISSUER)');
    expect(message).toContain('oidc.issuers.0.algorithms.0');
    expect(message).toContain('serviceTokens.0.token (HVC_SERVICE_TOKEN)');
    expect(message).toContain('serviceTokens.0.role (HVC_SERVICE_TOKEN_ROLE)');
    expect(message).not.toContain('short-secret-value');
    expect(configError({ HVC_CONFIG: join(dir, 'missing.json') })).toContain(
      'cannot read the configuration file',
    );
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ listen: { prot: 1 } }));
    expect(configError({ HVC_CONFIG: join(dir, 'typo.json') })).toContain('listen.prot');
  });
});

describe('starting', () => {
  it('refuses to serve without an encryption key', async () => {
    await expect(
      startServer(loadServerConfig({ HVC_DATABASE_FILE: join(dir, 'nokey.sqlite') })),
    ).rejects.toThrow('HVC_ENCRYPTION_KEY is required');
  });

  it('disables service tokens that left the configuration', async () => {
    const env = (serviceToken?: string) => ({
      HVC_PORT: '0',
      HVC_DATABASE_FILE: join(dir, 'tokens.sqlite'),
      HVC_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      HVC_BOOTSTRAP_ORGANIZATION: 'acme',
      HVC_BOOTSTRAP_ADMIN_ISSUER: 'https://idp.example',
      HVC_BOOTSTRAP_ADMIN_SUBJECT: 'alice',
      HVC_LOG_LEVEL: 'silent',
      ...(serviceToken
        ? {
            HVC_SERVICE_TOKEN: serviceToken,
            HVC_SERVICE_TOKEN_ORGANIZATION: 'acme',
            HVC_SERVICE_TOKEN_ROLE: 'viewer',
          }
        : {}),
    });
    const first = await startServer(loadServerConfig(env(`hvc_svc_${'1'.repeat(40)}`)));
    expect((await first.store.serviceTokens.listEnabled()).map((t) => t.id)).toEqual(['env']);
    await first.close();
    const second = await startServer(loadServerConfig(env()));
    expect(await second.store.serviceTokens.listEnabled()).toEqual([]);
    await second.close();
  });

  it('migrates a database file once', async () => {
    const env = { HVC_DATABASE_FILE: join(dir, 'migrate.sqlite') };
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (c: Buffer) => lines.push(c.toString()));
    await runMigrate(env, out);
    await runMigrate(env, out);
    expect(lines).toEqual([
      `${env.HVC_DATABASE_FILE}: applied ${Object.keys(schemaMigrations('sqlite')).join(', ')}\n`,
      `${env.HVC_DATABASE_FILE}: schema up to date\n`,
    ]);
  });
});

describe('logs', () => {
  it('redact tokens, passwords and credentials', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const logger = createLogger({ destination: out });
    logger.info(
      {
        authorization: 'Bearer abc.def.ghi',
        req: { headers: { authorization: 'Bearer abc.def.ghi' } },
        target: { credentials: { secret: 'pve-secret' } },
        password: 'hunter2',
      },
      'hello',
    );
    await new Promise((resolve) => setImmediate(resolve));
    const text = chunks.join('');
    expect(text).toContain('hello');
    for (const secret of ['abc.def.ghi', 'pve-secret', 'hunter2']) expect(text).not.toContain(secret);
  });
});
