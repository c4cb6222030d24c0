/** Users, roles, bearer tokens and the PUBLIC_READ switch. */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser, findUserByToken, hashToken, inScope } from '../../server/auth/tokens.js';
import type { Database } from '../../server/db/index.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe(`auth (${DRIVER})`, () => {
  let database: Database;
  let open: TestServer;
  let closed: TestServer;
  let admin: string;
  let viewer: string;

  before(async () => {
    database = await openTestDatabase();
    open = await startTestServer(database);
    closed = await startTestServer(database, { PUBLIC_READ: 'false' });
    admin = (await createUser(database.db, 'root', 'admin')).token;
    viewer = (await createUser(database.db, 'watcher', 'viewer', '990001')).token;
  });
  after(async () => {
    await open?.close();
    await closed?.close();
    await database?.close();
  });

  const call = (server: TestServer, path: string, init: { method?: string; token?: string; body?: string } = {}) =>
    request(server, init.method ?? 'GET', path, init);

  it('stores only the SHA-256 of a token', async () => {
    const { token } = await createUser(database.db, 'hash-check', 'collector');
    const row = await sql<{ token_hash: string }>`select token_hash from app_user where name = 'hash-check'`.execute(
      database.db,
    );
    expect(row.rows[0].token_hash).to.equal(hashToken(token)).and.not.contain(token);
    expect((await findUserByToken(database.db, token))?.role).to.equal('collector');
    expect(await findUserByToken(database.db, token + 'x')).to.equal(undefined);
  });

  it('a region scope is a code prefix', () => {
    const u = { id: 1, name: 'x', role: 'dispatcher' as const, regionScope: '990001001' };
    expect(inScope(u, '990001001002003')).to.equal(true);
    expect(inScope(u, '990001002001001')).to.equal(false);
    expect(inScope({ ...u, regionScope: '' }, '120101')).to.equal(true);
  });

  it('GET /api/me tells who the token belongs to; 401 without one or with a malformed header', async () => {
    expect((await call(open, '/api/me', { token: viewer })).body).to.deep.include({
      name: 'watcher',
      role: 'viewer',
      regionScope: '990001',
    });
    const none = await call(open, '/api/me');
    expect(none.status).to.equal(401);
    expect(none.headers.get('www-authenticate')).to.equal('Bearer realm="wangge"');
    const malformed = await request(open, 'GET', '/api/me', { headers: { Authorization: 'Basic abc' } });
    expect(malformed.status).to.equal(401);
    expect(malformed.body.detail).to.equal('the Authorization header must be "Bearer <token>"');
  });

  it('POST /api/users: 401 → 400 → 403 → 201, then 409 for a taken name; the new token works', async () => {
    const body = JSON.stringify({ name: 'editor-1', role: 'gis_editor', region_scope: '990001' });
    expect((await call(open, '/api/users', { method: 'POST', body })).status).to.equal(401);
    const bad = await call(open, '/api/users', {
      method: 'POST',
      token: admin,
      body: JSON.stringify({ name: 'x', role: 'boss' }),
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.detail).to.contain("body field 'role' must be one of");
    expect((await call(open, '/api/users', { method: 'POST', token: viewer, body })).status).to.equal(403);
    const ok = await call(open, '/api/users', { method: 'POST', token: admin, body });
    expect(ok.status).to.equal(201);
    expect(ok.body).to.include({ name: 'editor-1', role: 'gis_editor', regionScope: '990001' });
    expect(ok.body.token).to.match(/^wg_[A-Za-z0-9_-]{32}$/);
    expect((await call(open, '/api/me', { token: ok.body.token })).body.name).to.equal('editor-1');
    const again = await call(open, '/api/users', { method: 'POST', token: admin, body });
    expect(again.status).to.equal(409);
    const audit = await sql<{ n: number }>`select count(*)::int as n from audit_event where entity = 'user'`.execute(
      database.db,
    );
    expect(audit.rows[0].n).to.equal(1);
  });

  it('GET /api/users lists users for an admin only', async () => {
    expect((await call(open, '/api/users')).status).to.equal(401);
    expect((await call(open, '/api/users', { token: viewer })).status).to.equal(403);
    const r = await call(open, '/api/users', { token: admin });
    expect(r.status).to.equal(200);
    expect(r.body.map((u: any) => [u.name, u.role, u.region_scope]).slice(0, 2)).to.deep.equal([
      ['root', 'admin', ''],
      ['watcher', 'viewer', '990001'],
    ]);
    expect(JSON.stringify(r.body)).not.to.contain('token');
  });

  it('GET /api/web-config: no basemap by default, the configured one otherwise', async () => {
    expect((await call(open, '/api/web-config')).body).to.deep.equal({
      basemap: null,
      layers: ['streets', 'communities', 'grids', 'cases', 'components', 'component_counts'],
    });
    const withMap = await startTestServer(database, {
      BASEMAP_URL: 'https://tiles.example/{z}/{x}/{y}.png',
      BASEMAP_ATTRIBUTION: '示例',
    });
    try {
      expect((await call(withMap, '/api/web-config')).body.basemap).to.deep.equal({
        url: 'https://tiles.example/{z}/{x}/{y}.png',
        attribution: '示例',
      });
    } finally {
      await withMap.close();
    }
  });

  it('PUBLIC_READ=false: reads need a valid token', async () => {
    const anon = await call(closed, '/api/regions?level=street');
    expect(anon.status).to.equal(401);
    expect(anon.body.detail).to.equal('this server requires a bearer token for reads (PUBLIC_READ=false)');
    expect((await call(closed, '/api/regions?level=street', { token: viewer })).status).to.equal(200);
    expect((await call(open, '/api/regions?level=street')).status).to.equal(200);
  });
});
