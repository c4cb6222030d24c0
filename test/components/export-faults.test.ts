/** The census export and statistics while PostgreSQL is unreachable: a problem with Retry-After, never a cut file. */
import { expect } from 'chai';
import { openDatabase, type Database } from '../../server/db/index.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

(DRIVER === 'pg' ? describe : describe.skip)('census export while the database is down (pg)', function () {
  this.timeout(60_000);
  let base: Database & { url?: string };
  let proxy: TcpProxy;
  let database: Database;
  let server: TestServer;

  before(async () => {
    base = await openTestDatabase();
    const u = new URL(base.url!);
    proxy = await startTcpProxy(u.hostname, Number(u.port));
    u.hostname = '127.0.0.1';
    u.port = String(proxy.port);
    database = await openDatabase({
      databaseUrl: u.toString(),
      poolSize: 2,
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

  it('every export and the statistics answer 503 with Retry-After before any byte of a file', async () => {
    await proxy.down();
    for (const path of [
      '/api/export/components.csv',
      '/api/export/components.geojson',
      '/api/export/components.xlsx',
      '/api/components/stats?level=street',
    ]) {
      const r = await request(server, 'GET', path);
      expect(r.status, path).to.equal(503);
      expect(r.headers.get('retry-after'), path).to.equal('5');
      expect(r.headers.get('content-type'), path).to.match(/^application\/problem\+json/);
    }
    await proxy.up();
  });
});
