/**
 * Test databases: embedded PGlite in memory by default; with DATABASE_URL, a fresh database on that server
 * (dropped at close). Always migrated: each starts from a prepared snapshot (see snapshot.ts). Always close it in an
 * after() hook or mocha hangs.
 */
import pg from 'pg';
import { migrate, openDatabase, type Database } from '../../server/db/index.js';
import { openPGliteFromSnapshot, postgresTemplate, SNAPSHOTS_ON, waitForBackends, withDatabase } from './snapshot.js';

export const DRIVER = process.env.DATABASE_URL ? 'pg' : 'pglite';
let counter = 0;

export async function openTestDatabase(): Promise<Database & { url?: string }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    if (SNAPSHOTS_ON) return openPGliteFromSnapshot();
    const database = await openDatabase({ dataDir: 'memory' });
    await migrate(database);
    return database;
  }
  const name = `wangge_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const template = SNAPSHOTS_ON ? await postgresTemplate(url) : undefined;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name}${template ? ` template ${template}` : ''}`);
  } finally {
    await admin.end();
  }
  const database: Database & { url?: string } = await openDatabase({
    databaseUrl: withDatabase(url, name),
    poolSize: 8,
  });
  database.url = withDatabase(url, name);
  if (!template) await migrate(database);
  const close = database.close.bind(database);
  database.close = async () => {
    await close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      // Wait for the backends to leave, or a forced drop would kill them mid-goodbye and their clients would raise
      // "terminating connection" as an uncaught error.
      await waitForBackends(c, name);
      await c.query(`drop database if exists ${name} with (force)`);
    } finally {
      await c.end();
    }
  };
  return database;
}
