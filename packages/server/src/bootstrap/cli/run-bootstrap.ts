import { parseArgs } from 'node:util';
import { isHypervisorError } from '@hvc/hypervisor-connector';
import { describeDatabase, openDatabase } from '../../storage/configured-database.js';
import { createMemberStore } from '../../storage/member-store.js';
import { migrateToLatest } from '../../storage/migrations.js';
import { runTransaction } from '../../storage/run-transaction.js';
import { createServiceTokenStore, generateServiceToken } from '../../storage/service-token-store.js';
import { ConfigError, IdSchema, loadServerConfig } from '../server-config.js';

/** Where `hvc-server bootstrap` writes: the token to `stdout` (once), what it did to `stderr`. */
export interface BootstrapOutput {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** `hvc-server bootstrap`'s usage, for `--help` and mistakes. */
export const BOOTSTRAP_USAGE = `usage: hvc-server bootstrap --organization <id> [--token-id <id>] [--if-absent]

Creates the organisation and an admin service token in the configured database (HVC_DATABASE_FILE or
HVC_DATABASE_URL), with no server running. The token is printed once, alone on stdout; keep it, it cannot be shown
again. Refuses when the organisation exists; with --if-absent it then does nothing and exits 0.

  --organization <id>  the organisation to create (lower case letters, digits and "-")
  --token-id <id>      the token's id (default: <organization>-admin)
  --if-absent          succeed without doing anything when the organisation exists
`;

function id(value: string, flag: string): string {
  const parsed = IdSchema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`${flag}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/**
 * `hvc-server bootstrap`: straight against the configured database (migrated first), creates an organisation and
 * an admin service token of it in one transaction, and writes the token alone to `stdout` — never to a log or to
 * `stderr`. The database keeps only its hash, and the token stays valid across restarts (it is not the
 * configuration's, so `serve` does not disable it). A second run for the same organisation is refused, or with
 * `--if-absent` does nothing.
 */
export async function runBootstrap(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: BootstrapOutput,
): Promise<void> {
  let values: { organization?: string; 'token-id'?: string; 'if-absent'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        organization: { type: 'string' },
        'token-id': { type: 'string' },
        'if-absent': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${BOOTSTRAP_USAGE}`);
  }
  if (values.help) {
    out.stdout.write(BOOTSTRAP_USAGE);
    return;
  }
  if (values.organization === undefined)
    throw new ConfigError(`--organization is required\n\n${BOOTSTRAP_USAGE}`);
  const organization = id(values.organization, '--organization');
  const tokenId = id(values['token-id'] ?? `${organization}-admin`, '--token-id');

  const config = loadServerConfig(env);
  const db = openDatabase(config.database);
  const database = describeDatabase(config.database);
  try {
    await migrateToLatest(db);
    const token = generateServiceToken();
    const created = await runTransaction(db, async (trx) => {
      const members = createMemberStore(trx);
      if (await members.getOrganization(organization)) return false;
      await members.createOrganization({ id: organization, displayName: organization });
      await createServiceTokenStore(trx).put({
        id: tokenId,
        organizationId: organization,
        role: 'admin',
        token,
        origin: 'issued',
      });
      return true;
    }).catch((error: unknown) => {
      // Another bootstrap created it between the check and the insert.
      if (isHypervisorError(error, 'ALREADY_EXISTS')) return false;
      throw error;
    });
    if (!created) {
      const message = `organisation ${organization} already exists in ${database}: bootstrap creates an organisation once`;
      if (values['if-absent']) {
        out.stderr.write(`${message}; nothing done (--if-absent)\n`);
        return;
      }
      throw new BootstrapRefusedError(
        `${message}. Its admins add members through the API; pass --if-absent to make this a no-op.`,
      );
    }
    out.stdout.write(`${token}\n`);
    out.stderr.write(
      `created organisation ${organization} and its admin service token ${tokenId} in ${database}; ` +
        'the token above is shown only this once\n',
    );
  } finally {
    await db.destroy();
  }
}

/** `hvc-server bootstrap` refused to run again for an organisation that exists. */
export class BootstrapRefusedError extends Error {
  override readonly name = 'BootstrapRefusedError';
}
