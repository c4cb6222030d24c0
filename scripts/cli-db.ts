/** Opens the configured database (DATABASE_URL or the embedded one under DATA_DIR) for command-line tools. */
import path from 'node:path';
import { loadConfig } from '../server/config.js';
import { migrate, openDatabase, type Database } from '../server/db/index.js';

export async function openConfiguredDatabase(): Promise<Database> {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'db') });
  await migrate(database);
  return database;
}

/** Runs a CLI body, printing a one-line error and exiting 1 on failure. */
export function runCli(body: () => Promise<void>): void {
  body().then(() => process.exit(0), (e) => {
    console.error(`error: ${(e as Error).message}`);
    process.exit(1);
  });
}
