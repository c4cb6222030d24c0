/**
 * openDatabase(): Kysely over embedded PGlite + PostGIS (default) or PostgreSQL + PostGIS via pg.Pool
 * (DATABASE_URL). Same schema, same queries on both.
 *
 * Faults: no database error may crash the process (error listeners on the pools and on every client they create),
 * every connection has a connect timeout, a statement_timeout and a client-side query timeout (a frozen server never
 * answers), and waiting for a pooled connection is bounded (DB_ACQUIRE_TIMEOUT_MS). See server/db/faults.ts.
 */
import type { Extension } from '@electric-sql/pglite';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyStatement } from './copy.js';
import { loadDatabaseTimeouts, type DatabaseTimeouts } from '../config.js';
import type { DB } from './schema.js';

export type Driver = 'pglite' | 'pg';

export interface Database {
  /** Kysely for all ordinary queries. */
  db: Kysely<DB>;
  /** Kysely for tile queries: on PostgreSQL a small pool with max_parallel_workers_per_gather = 0. */
  tileDb: Kysely<DB>;
  driver: Driver;
  /** statement_timeout (ms) an import sets for its own transaction (0 = none). */
  importTimeoutMs: number;
  /** Run a multi-statement SQL script (migrations, fixtures). */
  exec(script: string): Promise<void>;
  /**
   * Bulk-loads rows with COPY … FROM STDIN (text format: tab-separated, \\N for null; see copyText in copy.ts) into
   * `table (columns)` from chunks of text or of its UTF-8 bytes, outside any transaction (staging tables).
   * PostgreSQL streams the chunks; PGlite loads each chunk as one COPY from a blob. Undefined over the embedded
   * server's local socket (which cannot relay COPY): callers insert in batches instead.
   */
  copyIn?(table: string, columns: string[], chunks: AsyncIterable<string | Uint8Array<ArrayBuffer>>): Promise<void>;
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
  /** Timeouts (default: loadDatabaseTimeouts() of the environment). */
  timeouts?: Partial<DatabaseTimeouts>;
  /**
   * Embedded database only: serve it to local tools over a unix socket in this directory (the server does; tools
   * then use pg over it). The directory also gets the lock file.
   */
  serveSocketIn?: string;
  /** Log for connection faults (default console.error). */
  onFault?: (message: string) => void;
}

// Uniform JS values on both drivers: bigint and numeric as number, date as 'YYYY-MM-DD' text.
const INT8 = 20,
  NUMERIC = 1700,
  DATE = 1082;
export const parsers: Record<number, (v: string) => unknown> = {
  [INT8]: (v) => Number(v),
  [NUMERIC]: (v) => Number(v),
  [DATE]: (v) => v,
};

export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  const timeouts = { ...loadDatabaseTimeouts(), ...opts.timeouts };
  const onFault = opts.onFault ?? ((m: string) => console.error(m));
  if (opts.databaseUrl) {
    return openPostgres({ connectionString: opts.databaseUrl }, opts.poolSize ?? 10, timeouts, onFault);
  }
  const { openPGlite } = await import('./pglite.js');
  return openPGlite(opts.dataDir ?? 'memory', timeouts, opts);
}

/**
 * A pg client whose client-side query timeout drops the connection (pg alone keeps a connection whose query was
 * sent but never answered, and the pool would hand it out again), and whose timeout follows a longer
 * `set local statement_timeout` of its transaction (imports). The pool resets it on release.
 */
interface Stream {
  connection: { stream: { destroy(): void } };
}

class GuardedClient extends pg.Client {
  declare connectionParameters: { query_timeout?: number };
  baseQueryTimeout = 0;

  override query(...args: unknown[]): never {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    const local = text && /^\s*set\s+local\s+statement_timeout\s*(=|to)\s*'?(\d+)/i.exec(text);
    if (local && this.baseQueryTimeout) {
      const ms = Number(local[2]);
      this.connectionParameters.query_timeout = ms === 0 ? undefined : Math.max(this.baseQueryTimeout, ms + 5_000);
    }
    const onTimeout = (e: unknown) => {
      if ((e as Error)?.message === 'Query read timeout') (this as unknown as Stream).connection.stream.destroy();
    };
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, res: unknown) => {
        if (err) onTimeout(err);
        (last as (e: unknown, r: unknown) => void)(err, res);
      };
    }
    const r = (pg.Client.prototype.query as (...a: unknown[]) => unknown).apply(this, args);
    if (r && typeof (r as Promise<unknown>).catch === 'function') (r as Promise<unknown>).catch(onTimeout);
    return r as never;
  }
}

export async function openPostgres(
  base: pg.PoolConfig,
  poolSize: number,
  t: DatabaseTimeouts,
  onFault: (m: string) => void,
  local = false,
): Promise<Database> {
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  // The pool's connectionTimeoutMillis bounds the wait for a pooled client (and a new client's connect); the
  // client's own bounds its connect.
  class Client extends GuardedClient {
    constructor(config: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: t.connectMs || undefined });
      this.baseQueryTimeout = t.queryMs;
    }
  }
  const common: pg.PoolConfig = {
    ...base,
    types,
    Client: Client as unknown as typeof pg.Client,
    connectionTimeoutMillis: Math.max(t.acquireMs, t.connectMs) || undefined,
    query_timeout: t.queryMs || undefined,
    ...(local ? {} : { statement_timeout: t.statementMs || undefined }),
  };
  const pool = new pg.Pool({ ...common, max: poolSize });
  const tilePool = new pg.Pool({
    ...common,
    max: Math.max(2, Math.ceil(poolSize / 2)),
    ...(local ? {} : { options: '-c max_parallel_workers_per_gather=0' }),
  });
  // No connection fault may crash the process: an idle client's error reaches the pool's listener; a checked-out
  // client's error (PostgreSQL restarted under a running query: 57P01) reaches only the client, so every client
  // gets its own listener. The query in flight fails and the request answers 503; the pool drops the client.
  let last = 0;
  const report = (e: Error) => {
    if (Date.now() - last > 1000) onFault(`database connection lost: ${e.message}`); // not once per client
    last = Date.now();
  };
  for (const p of [pool, tilePool]) {
    p.on('error', report);
    p.on('connect', (c) => c.on('error', report));
    p.on('release', (_e: unknown, c: pg.PoolClient) => {
      const g = c as unknown as GuardedClient;
      g.connectionParameters.query_timeout = g.baseQueryTimeout || undefined;
    });
  }
  // Fail fast with a clear message when the server is unreachable.
  try {
    await pool.query('select 1');
  } catch (e) {
    await Promise.allSettled([pool.end(), tilePool.end()]);
    const where = base.connectionString ? redact(base.connectionString) : `${base.host}`;
    throw new Error(
      `cannot connect to ${local ? "the running server's database socket" : 'DATABASE_URL'} (${where}): ${(e as Error).message}`,
      { cause: e },
    );
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const tileDb = new Kysely<DB>({ dialect: new PostgresDialect({ pool: tilePool }) });
  return {
    db,
    tileDb,
    driver: 'pg',
    importTimeoutMs: t.importMs,
    async exec(script) {
      const client = await pool.connect();
      // Migrations may take long on a big database: no statement or query timeout for the script.
      (client as unknown as GuardedClient).connectionParameters.query_timeout = undefined;
      try {
        await client.query('set statement_timeout = 0');
        await client.query(script);
        await client.query('reset statement_timeout');
      } catch (e) {
        await client.query('rollback').catch(() => undefined); // a failed script leaves no open transaction
        await client.query('reset statement_timeout').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    copyIn: local
      ? undefined
      : async (table, columns, chunks) => {
          const client = await pool.connect();
          try {
            const stream = client.query(copyFrom(copyStatement(table, columns)));
            await pipeline(Readable.from(chunks), stream);
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

export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
