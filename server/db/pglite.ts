/**
 * The embedded database: PGlite + PostGIS in DATA_DIR/db (or in memory for tests), guarded by the DATA_DIR lock and
 * by the session lock (see session-lock.ts), optionally served to local tools over a unix socket (local-socket.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, type DatabaseConnection, type Driver as KyselyDriver } from 'kysely';
import type { PGlite } from '@electric-sql/pglite';
import type { DatabaseTimeouts } from '../config.js';
import { copyStatement } from './copy.js';
import { lockDataDir, SOCKET_FILE, type DataDirLock } from './lock.js';
import { parsers, type Database, type OpenOptions } from './open.js';
import type { DB } from './schema.js';
import { SessionLock } from './session-lock.js';

export async function openPGlite(
  dataDir: string,
  t: DatabaseTimeouts,
  opts: Pick<OpenOptions, 'serveSocketIn' | 'loadDataDir' | 'postgis'> = {},
): Promise<Database> {
  const serveSocketIn = opts.serveSocketIn;
  const { PGlite } = await import('@electric-sql/pglite');
  const { postgis } = await import('@electric-sql/pglite-postgis');
  // The gazetteer's name search: trigram similarity and edit distance (migrations/0005_gazetteer.sql).
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { fuzzystrmatch } = await import('@electric-sql/pglite/contrib/fuzzystrmatch');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  let target: string | undefined;
  let dirLock: DataDirLock | undefined;
  if (dataDir !== 'memory') {
    target = path.resolve(dataDir);
    // DATA_DIR/db → the lock lives in DATA_DIR (beside the socket).
    dirLock = lockDataDir(serveSocketIn ?? path.dirname(target), serveSocketIn ? 'server' : toolName());
    fs.mkdirSync(path.dirname(target), { recursive: true });
  }
  let client: PGlite;
  try {
    client = await PGlite.create({
      dataDir: target,
      extensions: { postgis: opts.postgis ?? postgis, pg_trgm, fuzzystrmatch },
      parsers,
      loadDataDir: opts.loadDataDir,
    });
  } catch (e) {
    dirLock?.release();
    throw e;
  }
  const session = new SessionLock();

  // Every Kysely connection (one query, or a whole transaction) holds the session.
  class LockedDialect extends PGliteDialect {
    override createDriver(): KyselyDriver {
      const inner = super.createDriver();
      return {
        init: () => inner.init(),
        async acquireConnection(): Promise<DatabaseConnection> {
          await session.acquire(t.acquireMs);
          try {
            return await inner.acquireConnection();
          } catch (e) {
            session.release();
            throw e;
          }
        },
        beginTransaction: (c, s) => inner.beginTransaction(c, s),
        commitTransaction: (c) => inner.commitTransaction(c),
        rollbackTransaction: (c) => inner.rollbackTransaction(c),
        async releaseConnection(c) {
          try {
            await inner.releaseConnection(c);
          } finally {
            session.release();
          }
        },
        destroy: () => inner.destroy(),
      };
    }
  }
  const db = new Kysely<DB>({ dialect: new LockedDialect(client) });

  let stopSocket: (() => Promise<void>) | undefined;
  if (serveSocketIn && dirLock) {
    const { serveLocalSocket } = await import('./local-socket.js');
    const socketPath = path.join(serveSocketIn, SOCKET_FILE);
    try {
      stopSocket = await serveLocalSocket(client, session, socketPath);
    } catch (e) {
      await db.destroy();
      dirLock.release();
      throw e;
    }
    dirLock.setSocket(socketPath);
  }

  let closed = false;
  return {
    db,
    tileDb: db,
    driver: 'pglite',
    importTimeoutMs: t.importMs,
    async exec(script) {
      await session.acquire();
      try {
        await client.exec(script);
      } catch (e) {
        await client.exec('rollback').catch(() => undefined);
        throw e;
      } finally {
        session.release();
      }
    },
    async copyIn(table, columns, chunks) {
      const statement = `${copyStatement(table, columns).replace('STDIN', "'/dev/blob'")}`;
      for await (const chunk of chunks) {
        await session.acquire();
        try {
          await client.query(statement, [], { blob: new Blob([chunk]) });
        } finally {
          session.release();
        }
      }
    },
    async dumpDataDir() {
      return client.dumpDataDir('none');
    },
    async close() {
      if (closed) return;
      closed = true;
      await stopSocket?.();
      await db.destroy(); // closes the PGlite client too, but only if Kysely ever used it
      if (!client.closed) await client.close();
      dirLock?.release();
    },
  };
}

function toolName(): string {
  const script = process.argv[1] ? path.basename(process.argv[1]) : 'node';
  return script === 'main.ts' ? 'server' : script;
}
