/**
 * Nothing lost on the embedded database: the DATA_DIR lock (a second server refuses, a stale lock is taken over),
 * the local socket that serves the running server's database to command-line tools, and its one-session rule (a
 * tool's transaction never interleaves with the server's queries; a tool that dies mid-transaction is rolled back).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { migrate, openDatabase, type Database } from '../../server/db/index.js';
import { DataDirLocked, LOCK_FILE, SOCKET_FILE, lockDataDir, readLock } from '../../server/db/lock.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { runTs } from '../helpers/run.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { microCity } from '../fixtures/micro-city.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DATA_DIR lock', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-lock-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a live holder refuses a second locker with a clear message; release frees it', () => {
    const lock = lockDataDir(dir, 'server');
    expect(readLock(dir)).to.include({ pid: process.pid, owner: 'server' });
    expect(() => lockDataDir(dir, 'migrate.ts')).to.throw(
      DataDirLocked,
      new RegExp(`^the embedded database in ${dir} is in use by process ${process.pid} \\(server, since `),
    );
    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).to.equal(false);
    lockDataDir(dir, 'again').release();
  });

  it('a stale lock of a dead process is taken over', async () => {
    fs.writeFileSync(
      path.join(dir, LOCK_FILE),
      JSON.stringify({ pid: 2 ** 22 + 12345, owner: 'server', since: 'then' }),
    );
    expect(readLock(dir)).to.equal(undefined);
    const lock = lockDataDir(dir, 'server');
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid).to.equal(process.pid);
    lock.release();
  });
});

(DRIVER === 'pglite' ? describe : describe.skip)('embedded database served to local tools (pglite)', function () {
  this.timeout(600_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-sock-'));
  const env = { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'warn', DEMO_CITY: 'false' } as NodeJS.ProcessEnv;
  delete env.DATABASE_URL;
  let database: Database;
  let server: TestServer;
  const client = () => new pg.Client({ host: dir, port: 5432, user: 'postgres', database: 'template1' });

  before(async () => {
    database = await openDatabase({ dataDir: path.join(dir, 'db'), serveSocketIn: dir, timeouts: { acquireMs: 3000 } });
    await migrate(database);
    server = await startTestServer(database);
  });
  after(async () => {
    await server?.close();
    await database?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the lock names the socket; the socket is 0600; a second opener in this or another process refuses', async () => {
    const lock = readLock(dir)!;
    expect(lock).to.include({ pid: process.pid, owner: 'server', socket: path.join(dir, SOCKET_FILE) });
    expect(fs.statSync(lock.socket!).mode & 0o777).to.equal(0o600);
    let refused: unknown;
    await openDatabase({ dataDir: path.join(dir, 'db') }).catch((e) => (refused = e));
    expect((refused as Error).message).to.match(
      /^the embedded database in .* is in use by process \d+ \(server, since /,
    );
    const second = await runTs('server/main.ts', [], { ...env, PORT: '0', HOST: '127.0.0.1' });
    expect(second.code).to.equal(1);
    expect(second.stderr).to.contain(
      `wangge failed to start: the embedded database in ${dir} is in use by process ${process.pid} (server`,
    );
  });

  it("a tool's transaction holds the session: the server waits (health degraded, 503 after the acquire timeout), then sees the commit", async () => {
    const c = client();
    await c.connect();
    try {
      await c.query('create table socket_probe (x int)');
      await c.query('begin');
      await c.query('insert into socket_probe values ($1)', [1]);
      let seen: number | undefined;
      const count = sql<{ n: number }>`select count(*)::int as n from socket_probe`.execute(database.db).then(
        (r) => (seen = r.rows[0].n),
        () => (seen = -1),
      );
      await sleep(300);
      expect(seen, "the server's query waits for the tool's transaction").to.equal(undefined);
      const health = await request(server, 'GET', '/api/health');
      expect(health.status).to.equal(503);
      expect(health.body.status).to.equal('degraded');
      await c.query('commit');
      await count;
      expect(seen === -1 ? 'timed out' : seen).to.equal(1); // queued after the commit, within the acquire timeout
      await c.query('begin'); // a tool that keeps the session longer than DB_ACQUIRE_TIMEOUT_MS: 503, not a hang
      const grids = await request(server, 'GET', '/api/grids?limit=1');
      expect(grids.status).to.equal(503);
      expect(grids.headers.get('retry-after')).to.equal('5');
      await c.query('rollback');
    } finally {
      await c.end();
    }
    expect((await request(server, 'GET', '/api/health')).status).to.equal(200);
  });

  it('a tool that dies mid-transaction is rolled back and the session freed; concurrent clients never interleave', async () => {
    const c = client();
    c.on('error', () => undefined); // we kill its connection on purpose
    await c.connect();
    await c.query('begin');
    await c.query('insert into socket_probe values (2)');
    (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await sleep(500);
    const r = await sql<{ x: number }>`select x from socket_probe order by x`.execute(database.db);
    expect(r.rows.map((x) => x.x)).to.deep.equal([1]);
    // Two socket clients with parameterised (extended-protocol) queries and transactions, and the server, at once.
    const a = client(),
      b = client();
    await Promise.all([a.connect(), b.connect()]);
    try {
      const work = async (cl: pg.Client, base: number) => {
        for (let i = 0; i < 10; i++) {
          await cl.query('begin');
          await cl.query('insert into socket_probe values ($1)', [base + i]);
          const mine = await cl.query('select count(*)::int as n from socket_probe where x between $1 and $2', [
            base,
            base + 99,
          ]);
          expect(mine.rows[0].n).to.equal(i + 1);
          await cl.query(i % 2 ? 'commit' : 'rollback');
          if (i % 2 === 0) await cl.query('insert into socket_probe values ($1)', [base + i]); // autocommit
        }
      };
      const server = async () => {
        for (let i = 0; i < 10; i++)
          await database.db.transaction().execute(async (trx) => {
            await sql`insert into socket_probe values (${1000 + i})`.execute(trx);
          });
      };
      await Promise.all([work(a, 100), work(b, 200), server()]);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    const n = await sql<{ n: number }>`select count(*)::int as n from socket_probe`.execute(database.db);
    expect(n.rows[0].n).to.equal(1 + 10 + 10 + 10);
  });

  it('npm run user, import and migrate work while the server runs; their writes are visible and survive a restart', async () => {
    const user = await runTs('scripts/user.ts', ['赵六', 'dispatcher', '990001'], env);
    expect(user.code, user.stderr).to.equal(0);
    expect(user.stdout).to.match(/^created user 赵六 \(#\d+, dispatcher, scope 990001\)\ntoken/);
    const file = path.join(dir, 'micro.geojson');
    fs.writeFileSync(file, JSON.stringify(microCity()));
    const imp = await runTs('scripts/import.ts', [file], env);
    expect(imp.code, imp.stderr).to.equal(0);
    expect(imp.stdout).to.contain('grid       inserted 13, replaced 0, unchanged 0');
    const mig = await runTs('scripts/migrate.ts', [], env);
    expect(mig.stdout).to.equal('the database is up to date\n');
    const me = await sql<{ n: number }>`select count(*)::int as n from app_user where name = '赵六'`.execute(
      database.db,
    );
    expect(me.rows[0].n).to.equal(1);
    const grids = (await request(server, 'GET', '/api/grids?limit=1000')).body;
    expect(grids.features.length).to.equal(13);
    await server.close();
    await database.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).to.equal(false);
    database = await openDatabase({ dataDir: path.join(dir, 'db'), serveSocketIn: dir });
    server = await startTestServer(database);
    const again = (await request(server, 'GET', '/api/grids?limit=1000')).body;
    expect(again.features.length).to.equal(13);
    const u = await sql<{ n: number }>`select count(*)::int as n from app_user where name = '赵六'`.execute(
      database.db,
    );
    expect(u.rows[0].n).to.equal(1);
  });
});
