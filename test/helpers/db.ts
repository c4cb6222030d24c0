/**
 * Test databases: embedded PGlite in memory by default; with DATABASE_URL, a fresh database on that server
 * (dropped at close). Always migrated. Always close it in an after() hook or mocha hangs.
 */
import pg from 'pg';
import { migrate, openDatabase, type Database } from '../../server/db/index.js';

export const DRIVER = process.env.DATABASE_URL ? 'pg' : 'pglite';
let counter = 0;

export async function openTestDatabase(): Promise<Database & { url?: string }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const database = await openDatabase({ dataDir: 'memory' });
    await migrate(database);
    return database;
  }
  const name = `wangge_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  const database: Database & { url?: string } = await openDatabase({ databaseUrl: u.toString(), poolSize: 8 });
  database.url = u.toString();
  await migrate(database);
  const close = database.close.bind(database);
  database.close = async () => {
    await close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      // pg.Pool.end() resolves before its sockets are closed; wait for the backends to leave, or a forced drop
      // would kill them mid-goodbye and their clients would raise "terminating connection" as an uncaught error.
      for (let i = 0; i < 100; i++) {
        const r = await c.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (r.rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await c.query(`drop database if exists ${name} with (force)`);
    } finally {
      await c.end();
    }
  };
  return database;
}
