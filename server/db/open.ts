/**
 * openDatabase(): Kysely over embedded PGlite + PostGIS (default) or PostgreSQL + PostGIS via pg.Pool
 * (DATABASE_URL). Same schema, same queries on both.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Extension } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export type Driver = 'pglite' | 'pg';

export interface Database {
  /** Kysely for all ordinary queries. */
  db: Kysely<DB>;
  /** Kysely for tile queries: on PostgreSQL a small pool with max_parallel_workers_per_gather = 0. */
  tileDb: Kysely<DB>;
  driver: Driver;
  /** Run a multi-statement SQL script (migrations, fixtures). */
  exec(script: string): Promise<void>;
  /** PGlite only: the whole data directory as an uncompressed tarball (for loadDataDir). */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres://… → PostgreSQL server; unset → embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data directory; 'memory' for an in-memory database (tests). */
  dataDir?: string;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number;
  /** PGlite only: start from a data directory tarball (dumpDataDir()) instead of running initdb (test snapshots). */
  loadDataDir?: Blob;
  /** PGlite only: a replacement for the PostGIS extension bundle (tests load a trimmed one). */
  postgis?: Extension;
}

// Uniform JS values on both drivers: bigint and numeric as number, date as 'YYYY-MM-DD' text.
const INT8 = 20, NUMERIC = 1700, DATE = 1082;
const parsers: Record<number, (v: string) => unknown> = {
  [INT8]: (v) => Number(v),
  [NUMERIC]: (v) => Number(v),
  [DATE]: (v) => v,
};

export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 10) : openPGlite(opts.dataDir ?? 'memory', opts);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  const tilePool = new pg.Pool({
    connectionString: url,
    max: Math.max(2, Math.ceil(poolSize / 2)),
    types,
    options: '-c max_parallel_workers_per_gather=0',
  });
  // An idle client that loses its connection (server restart, admin termination) must not crash the process:
  // the pool drops it and the next query opens a new one.
  for (const p of [pool, tilePool]) p.on('error', (e) => console.error(`database connection lost: ${e.message}`));
  // Fail fast with a clear message when the server is unreachable.
  try {
    await pool.query('select 1');
  } catch (e) {
    await Promise.allSettled([pool.end(), tilePool.end()]);
    throw new Error(`cannot connect to DATABASE_URL (${redact(url)}): ${(e as Error).message}`, { cause: e });
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const tileDb = new Kysely<DB>({ dialect: new PostgresDialect({ pool: tilePool }) });
  return {
    db,
    tileDb,
    driver: 'pg',
    async exec(script) {
      const client = await pool.connect();
      try {
        await client.query(script);
      } catch (e) {
        await client.query('rollback').catch(() => undefined); // a failed script leaves no open transaction
        throw e;
      } finally {
        client.release();
      }
    },
    async close() {
      await Promise.allSettled([db.destroy(), tileDb.destroy()]);
      // Kysely ends a pool only if it ever used it.
      await Promise.allSettled([pool, tilePool].filter((p) => !p.ending).map((p) => p.end()));
    },
  };
}

async function openPGlite(dataDir: string, opts: OpenOptions): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { postgis } = await import('@electric-sql/pglite-postgis');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  let target: string | undefined;
  if (dataDir !== 'memory') {
    fs.mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
    target = path.resolve(dataDir);
  }
  const client = await PGlite.create({
    dataDir: target, extensions: { postgis: opts.postgis ?? postgis }, parsers, loadDataDir: opts.loadDataDir,
  });
  const db = new Kysely<DB>({ dialect: new PGliteDialect(client) });
  let closed = false;
  return {
    db,
    tileDb: db,
    driver: 'pglite',
    async exec(script) {
      try {
        await client.exec(script);
      } catch (e) {
        await client.exec('rollback').catch(() => undefined);
        throw e;
      }
    },
    async dumpDataDir() {
      return client.dumpDataDir('none');
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy(); // closes the PGlite client too, but only if Kysely ever used it
      if (!client.closed) await client.close();
    },
  };
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
