/**
 * Never down (pg): a connection lost under a running query fails that query, never the process; while the database
 * is unreachable or frozen every request answers 503 problem+json with Retry-After and /api/health answers
 * "degraded" within about a second; when it is back the pool recovers by itself. Faults are injected with a TCP
 * proxy in front of the test database and with pg_terminate_backend (the shared cluster is never restarted).
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, type Database } from '../../server/db/index.js';
import { DatabaseBusyError, isUnavailable } from '../../server/db/faults.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

describe('isUnavailable() classifies database faults', () => {
  const err = (props: Record<string, unknown>, message = 'x') => Object.assign(new Error(message), props);
  it('connection-class errors are unavailable', () => {
    for (const e of [
      err({ code: 'ECONNREFUSED' }),
      err({ code: 'ECONNRESET' }),
      err({ code: 'ETIMEDOUT' }),
      err({ code: '57P01' }),
      err({ code: '57P02' }),
      err({ code: '57P03' }),
      err({ code: '08006' }),
      err({ code: '08001' }),
      err({ code: '57014' }),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('timeout expired'),
      new Error('Query read timeout'),
      new DatabaseBusyError(100),
      err({ cause: err({ code: 'ECONNREFUSED' }) }),
      new AggregateError([err({ code: 'ECONNREFUSED' })], 'x'),
    ])
      expect(isUnavailable(e), String((e as Error).message)).to.equal(true);
  });
  it('bad input and bugs are not', () => {
    for (const e of [
      err({ code: '23505' }),
      err({ code: '22P02' }),
      err({ code: '42P01' }),
      new TypeError('x is undefined'),
      new Error('invalid input syntax'),
      null,
      undefined,
      'ECONNREFUSED',
    ])
      expect(isUnavailable(e)).to.equal(false);
  });
});

(DRIVER === 'pg' ? describe : describe.skip)('PostgreSQL faults (pg)', function () {
  this.timeout(60_000);
  let base: Database & { url?: string };
  let proxy: TcpProxy;
  let database: Database;
  let server: TestServer;
  const faults: string[] = [];
  const get = async (path: string) => {
    const t = Date.now();
    const r = await request(server, 'GET', path);
    return {
      status: r.status,
      ms: Date.now() - t,
      retryAfter: r.headers.get('retry-after'),
      type: r.headers.get('content-type'),
      body: r.body,
    };
  };
  const waitHealthy = async () => {
    for (let i = 0; i < 100; i++) {
      if ((await get('/api/health')).status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the pool did not recover');
  };

  before(async () => {
    base = await openTestDatabase();
    const u = new URL(base.url!);
    proxy = await startTcpProxy(u.hostname, Number(u.port));
    u.hostname = '127.0.0.1';
    u.port = String(proxy.port);
    database = await openDatabase({
      databaseUrl: u.toString(),
      poolSize: 4,
      onFault: (m) => faults.push(m),
      timeouts: { connectMs: 800, statementMs: 3000, queryMs: 4000, acquireMs: 1000 },
    });
    server = await startTestServer(database);
  });
  after(async () => {
    await server?.close();
    await proxy?.up();
    await database?.close();
    await proxy?.close();
    await base?.close();
  });

  it('a backend terminated under a running query (57P01) fails that query only; the pool recovers', async () => {
    const dbName = new URL(base.url!).pathname.slice(1);
    const idle = sql`select 1 as one`.execute(database.db); // another client, back in the pool when the kill comes
    await idle;
    const running = database.db
      .transaction()
      .execute((trx) => sql`select pg_sleep(2.5)`.execute(trx))
      .then(
        () => null,
        (e) => e,
      );
    for (let i = 0; i < 50; i++) {
      const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = ${dbName} and query like 'select pg_sleep%'`.execute(base.db);
      if (r.rows[0].n) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const killed = await sql<{
      n: number;
    }>`select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity
      where datname = ${dbName} and pid <> pg_backend_pid()) t`.execute(base.db);
    expect(killed.rows[0].n).to.be.greaterThan(0);
    const e = await running;
    expect(e, 'the running query fails').to.be.instanceOf(Error);
    // 57P01 from the query, or "Connection terminated unexpectedly" when the socket closes first.
    expect(String((e as { code?: string }).code ?? (e as Error).message)).to.match(/^(57P01|Connection terminated)/);
    expect(isUnavailable(e)).to.equal(true);
    await waitHealthy(); // no crash (mocha fails on an uncaught 'error' event), and new connections work
    expect(faults.some((f) => /database connection lost/.test(f))).to.equal(true);
  });

  it('database down: 503 problem+json with Retry-After, health "degraded" at once; back: ok by itself', async () => {
    await proxy.down();
    const health = await get('/api/health');
    expect(health.status).to.equal(503);
    expect(health.body.status).to.equal('degraded');
    expect(health.body.database.reachable).to.equal(false);
    expect(health.ms).to.be.below(1500);
    const grids = await get('/api/grids?limit=1');
    expect(grids.status).to.equal(503);
    expect(grids.type).to.match(/^application\/problem\+json/);
    expect(grids.retryAfter).to.equal('5');
    expect(grids.body).to.include({ status: 503, type: '/problems/database-unavailable' });
    expect(grids.body.detail).to.match(/^the database is not answering \(.+\); retry in 5 s$/);
    await proxy.up();
    await waitHealthy();
    expect((await get('/api/grids?limit=1')).status).to.equal(200);
  });

  it('database frozen (no answers at all): health degraded within about a second, requests 503 after the query timeout', async () => {
    await waitHealthy();
    proxy.freeze();
    const [health, grids] = await Promise.all([get('/api/health'), get('/api/grids?limit=1')]);
    expect(health.status).to.equal(503);
    expect(health.body.status).to.equal('degraded');
    expect(health.ms).to.be.within(900, 1600);
    expect(grids.status, JSON.stringify(grids.body)).to.equal(503);
    expect(grids.retryAfter).to.equal('5');
    expect(grids.ms).to.be.below(6000); // bounded by the acquire/connect/query timeouts, not by the freeze
    await proxy.up();
    await waitHealthy();
    proxy.freeze(); // a query sent on a pooled connection that never answers: the client-side timeout (4 s) fires
    const t = Date.now();
    const e = await sql`select 1`.execute(database.db).then(
      () => null,
      (x) => x as Error,
    );
    expect(e?.message).to.match(/^(Query read timeout|timeout expired)$/);
    expect(Date.now() - t).to.be.below(6000);
    expect(isUnavailable(e)).to.equal(true);
    await proxy.up();
    await waitHealthy();
    expect((await get('/api/grids?limit=1')).status).to.equal(200);
  });

  it('statement_timeout and the client-side query timeout bound a slow query (503, connection replaced)', async () => {
    const e = await sql`select pg_sleep(4)`.execute(database.db).then(
      () => null,
      (x) => x,
    );
    expect((e as { code?: string }).code).to.equal('57014'); // statement_timeout 3000 ms fired on the server
    expect(isUnavailable(e)).to.equal(true);
    const c = new pg.Client({ connectionString: base.url });
    await c.connect();
    try {
      const r = await c.query('show statement_timeout');
      expect(r.rows[0].statement_timeout).to.equal('0'); // only our pools set it
    } finally {
      await c.end();
    }
    const t = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(database.db);
    expect(t.rows[0].statement_timeout).to.equal('3s');
  });
});
