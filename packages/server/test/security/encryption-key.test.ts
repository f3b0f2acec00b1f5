/**
 * The encryption key and the configuration that carries it: weak keys refused, errors that never quote a value,
 * a server that will not start (and turns unready) when its key cannot read the stored credentials, key ids on
 * every stored value, and `hvc-server rotate-key` on SQLite and PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runRotateKey } from '../../src/bootstrap/cli/run-rotate-key.js';
import { ConfigError, loadServerConfig } from '../../src/bootstrap/server-config.js';
import { startServer } from '../../src/bootstrap/start-server.js';
import { createLogger } from '../../src/observability/logger.js';
import { openStore } from '../../src/storage/configured-database.js';
import { createCredentialCipher, keyIdOf, parseEncryptionKey } from '../../src/storage/credential-cipher.js';
import { usePostgres } from '../support/postgres-server.js';

const dir = mkdtempSync(join(tmpdir(), 'hvc-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Started by this file; the PostgreSQL case fails (never skips) when it cannot start.
const postgres = usePostgres();

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadServerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

/** Every run of 6 characters of `secret`: none may appear in a message. */
function fragments(secret: string): string[] {
  return Array.from({ length: secret.length - 5 }, (_, i) => secret.slice(i, i + 6));
}

function expectNoFragment(text: string, secret: string): void {
  for (const fragment of fragments(secret)) expect(text).not.toContain(fragment);
}

describe('configuration errors', () => {
  it('a file that is not JSON is named with the line and column of the fault, never its text', () => {
    const key = randomBytes(32).toString('hex');
    const file = join(dir, 'broken.json');
    for (const text of [
      `{\n  "encryptionKey": "${key}"\n  "logLevel": "info"\n}`,
      `{ "encryptionKey": ${key} }`,
      `{ "encryptionKey": "${key}", }`,
      `{ "encryptionKey": "${key.slice(0, 40)}`,
    ]) {
      writeFileSync(file, text);
      const message = configError({ HVC_CONFIG: file });
      expect(message).toMatch(/^the configuration file .*broken\.json is not valid JSON/);
      expectNoFragment(message, key);
    }
    writeFileSync(file, `{\n  "encryptionKey": "${key}"\n  "logLevel": "info"\n}`);
    expect(configError({ HVC_CONFIG: file })).toContain('(line 3, column 3)');
  });

  it('every setting error names the setting, never the value', () => {
    const key = randomBytes(32).toString('hex');
    const message = configError({
      HVC_ENCRYPTION_KEY: key.slice(0, 40),
      HVC_PORT: key,
      HVC_LOG_LEVEL: key,
      HVC_MAX_CONCURRENT_STREAMS: key,
      HVC_DATABASE_URL: `mysql://${key}`,
    });
    for (const name of ['HVC_ENCRYPTION_KEY', 'HVC_PORT', 'HVC_LOG_LEVEL', 'HVC_MAX_CONCURRENT_STREAMS']) {
      expect(message).toContain(name);
    }
    expectNoFragment(message, key);
  });

  it('weak keys are refused, saying what is required', () => {
    const required = 'the encryption key must be 32 random bytes, as 64 hex digits or base64';
    const cases: Array<[string, string]> = [
      ['a'.repeat(64), 'repeats too few byte values'],
      ['0123456789abcdef'.repeat(4), 'repeats too few byte values'],
      [Buffer.from('correct horse battery staple 123').toString('base64'), 'printable text'],
      [randomBytes(16).toString('base64'), 'this one is 16 bytes'],
    ];
    for (const [key, why] of cases) {
      const message = configError({ HVC_ENCRYPTION_KEY: key });
      expect(message).toContain(`encryptionKey (HVC_ENCRYPTION_KEY): ${required}`);
      expect(message).toContain(why);
      expectNoFragment(message, key);
    }
    const good = randomBytes(32);
    expect(loadServerConfig({ HVC_ENCRYPTION_KEY: good.toString('base64') }).encryptionKey).toBeDefined();
    expect(parseEncryptionKey(good.toString('hex'))).toEqual(good);
  });
});

/** Environment of a server on `database` with `key`. */
function serverEnv(database: string, key: Buffer): NodeJS.ProcessEnv {
  return {
    HVC_PORT: '0',
    HVC_DATABASE_FILE: database,
    HVC_ENCRYPTION_KEY: key.toString('base64'),
    HVC_LOG_LEVEL: 'silent',
  };
}

/** A database with one organisation and one target whose credentials are encrypted with `key`. */
async function seeded(database: { file?: string; url?: string }, key: Buffer) {
  const settings = {
    file: database.file ?? join(dir, 'unused.sqlite'),
    ...(database.url ? { url: database.url } : {}),
  };
  const store = await openStore(settings, createCredentialCipher(key));
  await store.members.createOrganization({ id: 'acme', displayName: 'Acme' });
  const target = await store.targets.create({
    organizationId: 'acme',
    id: 'pve-1',
    displayName: 'PVE',
    kind: 'proxmox',
    config: { endpoints: ['https://pve.example:8006'] },
    credentials: { tokenId: 'root@pam!hvc', secret: 'pve-secret-value' },
  });
  await store.close();
  return { settings, targetKey: target.key };
}

describe('the key and the stored credentials', () => {
  it('every stored value names its key; a server with another key refuses to start, and says why', async () => {
    const key = randomBytes(32);
    const wrong = randomBytes(32);
    const database = join(dir, 'wrong-key.sqlite');
    const { settings, targetKey } = await seeded({ file: database }, key);
    const store = await openStore(settings, createCredentialCipher(key));
    const row = await store.db
      .selectFrom('targets')
      .select('credentials')
      .where('key', '=', targetKey)
      .executeTakeFirstOrThrow();
    expect(keyIdOf(row.credentials!)).toBe(createCredentialCipher(key).keyId);
    expect(row.credentials).not.toContain('pve-secret-value');
    await store.close();

    const error = await startServer(loadServerConfig(serverEnv(database, wrong))).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe(
      `unusable HVC_ENCRYPTION_KEY: stored credentials are encrypted with key ${createCredentialCipher(key).keyId}, but the configured key is ${createCredentialCipher(wrong).keyId}: set the key they were written with, or run hvc-server rotate-key`,
    );
    expectNoFragment(error!.message, key.toString('base64'));
    expectNoFragment(error!.message, wrong.toString('base64'));
  });

  it('rotate-key re-encrypts every credential; the old key is then refused, and a server still on it turns unready', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const database = join(dir, 'rotate.sqlite');
    const { settings, targetKey } = await seeded({ file: database }, oldKey);
    const running = await startServer(loadServerConfig(serverEnv(database, oldKey)));
    expect((await running.readiness()).checks.encryptionKey).toBe(true);

    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (c: Buffer) => lines.push(c.toString()));
    await runRotateKey(
      { ...serverEnv(database, oldKey), HVC_NEW_ENCRYPTION_KEY: newKey.toString('hex') },
      out,
    );
    const [from, to] = [createCredentialCipher(oldKey).keyId, createCredentialCipher(newKey).keyId];
    expect(lines.join('')).toBe(
      `re-encrypted 1 target credential(s) from key ${from} to key ${to}; restart every server with the new key\n`,
    );
    // The server still on the old key: not ready, so a load balancer stops sending it calls it would fail.
    expect(await running.readiness()).toMatchObject({ ready: false, checks: { encryptionKey: false } });
    await running.close();

    await expect(startServer(loadServerConfig(serverEnv(database, oldKey)))).rejects.toThrow(
      `stored credentials are encrypted with key ${to}`,
    );
    const rotated = await startServer(loadServerConfig(serverEnv(database, newKey)));
    expect(await rotated.readiness()).toMatchObject({ ready: true });
    const descriptor = await rotated.store.targets.descriptor(targetKey);
    expect(descriptor?.config.credentials).toEqual({ tokenId: 'root@pam!hvc', secret: 'pve-secret-value' });
    await rotated.close();

    // Run again with the new key as the current one: nothing left to do. With a wrong current key: nothing changes.
    lines.length = 0;
    await runRotateKey(
      { ...serverEnv(database, oldKey), HVC_NEW_ENCRYPTION_KEY: newKey.toString('hex') },
      out,
    );
    expect(lines.join('')).toContain('re-encrypted 0 target credential(s)');
    await expect(
      runRotateKey(
        { ...serverEnv(database, randomBytes(32)), HVC_NEW_ENCRYPTION_KEY: randomBytes(32).toString('hex') },
        out,
      ),
    ).rejects.toThrow('were encrypted with key');
    const check = await openStore(settings, createCredentialCipher(newKey));
    expect((await check.targets.descriptor(targetKey))?.config.credentials).toMatchObject({
      secret: 'pve-secret-value',
    });
    await check.close();
  });

  it('rotate-key refuses a weak or missing new key without quoting it', async () => {
    const database = join(dir, 'rotate-weak.sqlite');
    const env = serverEnv(database, randomBytes(32));
    await expect(runRotateKey(env, new PassThrough())).rejects.toThrow(
      'HVC_NEW_ENCRYPTION_KEY (the key to rotate to) is required',
    );
    const weak = 'b'.repeat(64);
    const error = await runRotateKey({ ...env, HVC_NEW_ENCRYPTION_KEY: weak }, new PassThrough()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain('HVC_NEW_ENCRYPTION_KEY: the encryption key must be 32 random bytes');
    expect(error!.message).not.toContain('bbbbbb');
  });

  it('rotate-key on PostgreSQL', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const url = await postgres().createDatabase('rotate_key');
    const { settings, targetKey } = await seeded({ url }, oldKey);
    await runRotateKey(
      {
        HVC_DATABASE_URL: url,
        HVC_ENCRYPTION_KEY: oldKey.toString('hex'),
        HVC_NEW_ENCRYPTION_KEY: newKey.toString('hex'),
      },
      new PassThrough(),
    );
    const store = await openStore(settings, createCredentialCipher(newKey));
    expect((await store.targets.descriptor(targetKey))?.config.credentials).toMatchObject({
      secret: 'pve-secret-value',
    });
    const { checkEncryptionKey } = await import('../../src/storage/encryption-key-check.js');
    expect(await checkEncryptionKey(store.db, createCredentialCipher(newKey))).toEqual({ usable: true });
    expect(await checkEncryptionKey(store.db, createCredentialCipher(oldKey))).toMatchObject({
      usable: false,
    });
    await store.close();
  }, 60_000);
});

describe('plaintext off loopback', () => {
  it('warns when serving plaintext on a non-loopback address, not on loopback', async () => {
    const warnings: string[] = [];
    const logger = createLogger({
      level: 'warn',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          warnings.push(chunk.toString());
          done();
        },
      }),
    });
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const server = await startServer(
        loadServerConfig({
          ...serverEnv(join(dir, 'plain.sqlite'), randomBytes(32)),
          HVC_HOST: host,
        }),
        { logger },
      );
      await server.close();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('serving plaintext on a non-loopback address');
    expect(warnings[0]).toContain('"host":"0.0.0.0"');
  });
});
