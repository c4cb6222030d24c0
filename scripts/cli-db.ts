/**
 * Opens the configured database for command-line tools: DATABASE_URL, or the embedded one under DATA_DIR — through
 * the running server's local socket when a server holds DATA_DIR's lock (so tools work while it runs), else directly
 * (taking the lock, so a server started meanwhile refuses instead of corrupting the data).
 */
import path from 'node:path';
import { loadConfig } from '../server/config.js';
import { migrate, openDatabase, type Database } from '../server/db/index.js';
import { readLock } from '../server/db/lock.js';
import { openPostgres } from '../server/db/open.js';

export async function openConfiguredDatabase(opts: { migrate?: boolean } = {}): Promise<Database> {
  const config = loadConfig();
  let database: Database;
  const holder = config.databaseUrl ? undefined : readLock(config.dataDir);
  if (holder?.socket) {
    // The running server serves the embedded database: pg over its unix socket (host = DATA_DIR, port 5432).
    // The server may be busy (an import holds the one session): wait for it rather than time out.
    const timeouts = { ...config.db, connectMs: 0, queryMs: 0, acquireMs: 0 };
    database = await openPostgres(
      { host: path.dirname(holder.socket), port: 5432, user: 'postgres', database: 'template1' },
      2,
      timeouts,
      (m) => console.error(m),
      true,
    );
  } else {
    database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: path.join(config.dataDir, 'db'),
      timeouts: config.db,
    });
  }
  if (opts.migrate !== false) await migrate(database);
  return database;
}

/** Runs a CLI body, printing a one-line error and exiting 1 on failure. */
export function runCli(body: () => Promise<void>): void {
  body().then(
    () => process.exit(0),
    (e) => {
      console.error(`error: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
