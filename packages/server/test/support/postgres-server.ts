import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

const run = promisify(execFile);
const INSTALL_HINT = 'install postgresql: see .ci/system-deps.sh';

/** A throwaway PostgreSQL cluster on 127.0.0.1, owned by an unprivileged user, removed by `stop`. */
export interface PostgresServer {
  /** The server's major version, e.g. 15. */
  readonly version: number;
  /** Creates an empty database (collation en-US, like a typical production server) and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

/** The newest `/usr/lib/postgresql/<version>/bin` that has the server binaries, or a failure naming the fix. */
function findBinaries(): { dir: string; version: number } {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .map(Number)
        .filter((v) => Number.isInteger(v) && existsSync(join(root, String(v), 'bin', 'initdb')))
        .sort((a, b) => b - a)
    : [];
  const version = versions[0];
  if (version === undefined) {
    throw new Error(
      `PostgreSQL server binaries (initdb, pg_ctl) not found under ${root}/<version>/bin: ${INSTALL_HINT}`,
    );
  }
  return { dir: join(root, String(version), 'bin'), version };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a fresh cluster: `initdb` in a new temp dir, then `pg_ctl start` on 127.0.0.1 and a free port, with a
 * random password (scram-sha-256). PostgreSQL refuses to run as root, so as root it runs as the `postgres` user
 * the Debian package creates. Durability is off: the data is thrown away.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = findBinaries();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'hvc-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const env = { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`, LC_ALL: 'C' };
  const tool = (name: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin.dir, name), ...args], { env })
      : run(join(bin.dir, name), args, { env });
  const data = join(dir, 'data');
  const user = 'hvc';
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, password, { mode: 0o600 });
  if (asRoot) execFileSync('chown', ['postgres:', pwfile]);
  await tool('initdb', [
    '-D',
    data,
    '-U',
    user,
    `--pwfile=${pwfile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);

  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const options = [
      '-c listen_addresses=127.0.0.1',
      `-c port=${port}`,
      `-c unix_socket_directories=${dir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    try {
      await tool('pg_ctl', [
        '-D',
        data,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-t',
        '60',
        '-o',
        options,
        'start',
      ]);
      break;
    } catch (error) {
      // Another process may have taken the port between the probe and the start.
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const url = (database: string) =>
    `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    version: bin.version,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(
          `create database "${name}" template template0 locale_provider icu icu_locale 'en-US' locale 'C'`,
        );
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop() {
      try {
        await tool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Starts a cluster for the calling test file (in `beforeAll`) and stops it after. The returned function gives the
 * server to tests and hooks, or throws why it could not start: call it from tests or `beforeEach`, so that each
 * test needing PostgreSQL FAILS when it is missing (a failing `beforeAll` would only mark them skipped).
 */
export function usePostgres(): () => PostgresServer {
  let server: PostgresServer | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      server = await startPostgres();
    } catch (error) {
      failure = error;
    }
  }, 120_000);
  afterAll(() => server?.stop(), 60_000);
  return () => {
    if (failure !== undefined) throw failure;
    if (server === undefined) throw new Error('PostgreSQL is used before the file started it');
    return server;
  };
}
