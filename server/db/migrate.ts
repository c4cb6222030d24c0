/** Ordered SQL migrations from migrations/, applied once each and recorded in schema_migrations. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Database } from './open.js';
import { seedReferenceData } from './seed.js';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export function listMigrations(dir = MIGRATIONS_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
}

/** Applies pending migrations in order; returns the names applied. Safe to run concurrently on PostgreSQL. */
export async function migrate(database: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const applied: string[] = [];
  await database.exec(`create table if not exists schema_migrations (
    name text primary key, applied_at timestamptz not null default now())`);
  const lockKey = 0x77616e67; // 'wang': serialises concurrent migrators on one PostgreSQL server
  const done = new Set(
    (await sql<{ name: string }>`select name from schema_migrations`.execute(database.db)).rows.map((r) => r.name),
  );
  for (const name of listMigrations(dir)) {
    if (done.has(name)) continue;
    const body = fs.readFileSync(path.join(dir, name), 'utf8');
    const quoted = name.replace(/'/g, "''");
    try {
      // The row goes in first: a concurrent migrator waits on the lock, then fails on the primary key and skips.
      await database.exec(`begin;
select pg_advisory_xact_lock(${lockKey});
insert into schema_migrations (name) values ('${quoted}');
${body}
;
commit;`);
    } catch (e) {
      const already = await sql<{
        n: number;
      }>`select count(*)::int as n from schema_migrations where name = ${name}`.execute(database.db);
      if (already.rows[0]?.n === 1) continue;
      throw new Error(`migration ${name} failed: ${(e as Error).message}`, { cause: e });
    }
    applied.push(name);
  }
  await seedReferenceData(database);
  return applied;
}
