import { describeDatabase, openDatabase } from '../../storage/configured-database.js';
import { migrateToLatest } from '../../storage/migrations.js';
import { loadServerConfig } from '../server-config.js';

/** `hvc-server migrate`: brings the configured database's schema up to date and says what it applied. */
export async function runMigrate(env: NodeJS.ProcessEnv, out: NodeJS.WritableStream): Promise<void> {
  const config = loadServerConfig(env);
  const db = openDatabase(config.database);
  const name = describeDatabase(config.database);
  try {
    const applied = await migrateToLatest(db);
    out.write(
      applied.length === 0 ? `${name}: schema up to date\n` : `${name}: applied ${applied.join(', ')}\n`,
    );
  } finally {
    await db.destroy();
  }
}
