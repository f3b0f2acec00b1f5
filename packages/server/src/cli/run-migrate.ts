import { loadServerConfig } from '../config/server-config.js';
import { migrateToLatest } from '../storage/migrations.js';
import { openSqliteDatabase } from '../storage/open-database.js';

/** `hvc-server migrate`: brings the configured database's schema up to date and says what it applied. */
export async function runMigrate(env: NodeJS.ProcessEnv, out: NodeJS.WritableStream): Promise<void> {
  const config = loadServerConfig(env);
  const db = openSqliteDatabase(config.database.file);
  try {
    const applied = await migrateToLatest(db);
    out.write(
      applied.length === 0
        ? `${config.database.file}: schema up to date\n`
        : `${config.database.file}: applied ${applied.join(', ')}\n`,
    );
  } finally {
    await db.destroy();
  }
}
