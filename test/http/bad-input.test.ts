/**
 * Regression tests for each class of bad input: NUL, lone surrogates, deep nesting, integers beyond range,
 * dates outside range or impossible, non-finite numbers — in a body field, a query parameter and a path parameter.
 * Each is a 400 problem naming the field; nothing is stored.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { intake, P, setUpWorld, tearDownWorld, type World } from '../cases/fixture.js';

interface Reply {
  status: number;
  type: string;
  body: any;
}

describe(`bad input is a 400 naming the field (${DRIVER})`, function () {
  this.timeout(300000);
  let w: World;
  let caseId: number;
  before(async () => {
    w = await setUpWorld();
    caseId = await intake(w, { location: P.c02 });
  });
  after(async () => tearDownWorld(w));

  /** Sends a raw path (already percent-encoded) and a raw JSON text body as the admin. */
  async function send(method: string, path: string, body?: string): Promise<Reply> {
    const r = await request(w.server, method, path, { token: w.u.admin.token, body });
    return { status: r.status, type: r.headers.get('content-type') ?? '', body: r.body };
  }

  async function counts(): Promise<string> {
    const r = await sql<{
      n: string;
    }>`select (select count(*) from case_record) || '/' || (select count(*) from app_user) || '/' ||
      (select count(*) from audit_event) || '/' || (select count(*) from resp_rule) || '/' || (select count(*) from region) as n`.execute(
      w.database.db,
    );
    return r.rows[0].n;
  }

  /** Expects a 400 problem whose errors[] has exactly this location and whose detail contains `detail`. */
  async function refused(
    method: string,
    path: string,
    body: string | undefined,
    location: string,
    detail: string | RegExp,
  ) {
    const before = await counts();
    const r = await send(method, path, body);
    expect(r.status, JSON.stringify(r.body)).to.equal(400);
    expect(r.type).to.match(/^application\/problem\+json/);
    expect(
      r.body.errors.map((e: { location: string }) => e.location),
      r.body.detail,
    ).to.include(location);
    if (typeof detail === 'string') expect(r.body.detail).to.contain(detail);
    else expect(r.body.detail).to.match(detail);
    expect(await counts()).to.equal(before);
    return r.body;
  }

  const report = (patch: string) =>
    `{"location":{"lon":100.0005,"lat":20.0025},"category":"matter:06010","channel":"hotline","description":"暴露垃圾",${patch}}`;

  describe('NUL characters and lone surrogates', () => {
    it('in a nested body field', async () => {
      await refused(
        'POST',
        '/api/cases',
        report('"reporter":{"name":"张\\u0000三","phone":"13800000000"}'),
        'body.reporter.name',
        "body field 'reporter.name' contains a NUL character (U+0000)",
      );
      await refused(
        'POST',
        '/api/cases',
        report('"reporter":{"name":"\\ud800","phone":"13800000000"}'),
        'body.reporter.name',
        "body field 'reporter.name' contains a lone UTF-16 surrogate",
      );
      await refused('POST', '/api/users', '{"name":"x\\udc00y","role":"viewer"}', 'body.name', 'lone UTF-16 surrogate');
    });
    it('in a body field name', async () => {
      await refused(
        'POST',
        '/api/users',
        '{"name":"x","role":"viewer","a\\u0000":1}',
        'body["a\\u0000"]',
        'body field name',
      );
    });
    it('in a query parameter', async () => {
      await refused(
        'GET',
        '/api/regions?level=street&parent=990001%00',
        undefined,
        'query.parent',
        "query parameter 'parent' contains a NUL",
      );
      await refused('GET', '/api/cases?q=%00', undefined, 'query.q', 'NUL');
    });
    it('in a path parameter', async () => {
      await refused('GET', '/api/departments/HW%00', undefined, 'path.code', "path parameter 'code' contains a NUL");
      await refused('DELETE', '/api/departments/H%00W', undefined, 'path.code', 'NUL');
    });
  });

  describe('deep nesting', () => {
    it('a body nested deeper than 64 levels', async () => {
      const deep = `{"type":"FeatureCollection","features":${'['.repeat(70)}${']'.repeat(70)}}`;
      const body = await refused(
        'POST',
        '/api/import',
        deep,
        `body.features${'[0]'.repeat(63)}`,
        'nested deeper than 64 levels',
      );
      expect(body.errors).to.have.length(1);
    });
    it('100,000 levels: still a 400, the server survives', async () => {
      const r = await send('POST', '/api/users', '['.repeat(100000) + ']'.repeat(100000));
      expect(r.status).to.equal(400);
      expect(r.body.detail).to.contain('nested deeper than 64');
      expect((await send('GET', '/api/health')).status).to.equal(200);
    });
  });

  describe('integers beyond range', () => {
    it('in a path parameter (bigint + 1)', async () => {
      await refused(
        'GET',
        '/api/cases/9223372036854775808',
        undefined,
        'path.id',
        "path parameter 'id' must be <= 9007199254740991",
      );
      await refused('POST', '/api/cases/99999999999999999999/actions', '{"action":"accept"}', 'path.id', 'must be <=');
      expect((await send('GET', `/api/cases/${caseId}`)).status).to.equal(200);
    });
    it('in a query parameter', async () => {
      await refused(
        'GET',
        '/api/cases?cursor=9223372036854775808',
        undefined,
        'query.cursor',
        "query parameter 'cursor' must be <=",
      );
    });
    it('in a body field', async () => {
      await refused(
        'POST',
        '/api/collectors',
        '{"code":"C9","name":"王","user_id":2147483648}',
        'body.user_id',
        "body field 'user_id' must be <= 2147483647",
      );
      await refused(
        'POST',
        '/api/rules',
        '{"name":"r","category":"*","area":"anywhere","department_code":"HW","priority":9223372036854775808}',
        'body.priority',
        "body field 'priority' must be <= 1000000",
      );
    });
    it('the OpenAPI document shows the generic bound', async () => {
      const doc = (await request(w.server, 'GET', '/api/openapi.json')).body;
      const id = doc.paths['/api/cases/{id}'].get.parameters.find((p: { name: string }) => p.name === 'id');
      expect(id.schema).to.include({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
    });
  });

  describe('numbers that are not finite', () => {
    it('in a body field (1e400)', async () => {
      await refused(
        'POST',
        '/api/cases',
        '{"location":{"lon":1e400,"lat":20.0025},"category":"matter:06010","channel":"hotline","description":"x"}',
        'body.location.lon',
        "body field 'location.lon' must be a finite number (got Infinity)",
      );
    });
    it('in a query parameter (Infinity, 1e400)', async () => {
      await refused(
        'GET',
        '/api/locate?lon=Infinity&lat=20',
        undefined,
        'query.lon',
        "query parameter 'lon' must be a finite number (got Infinity)",
      );
      await refused(
        'GET',
        '/api/locate?lon=100&lat=1e400',
        undefined,
        'query.lat',
        "query parameter 'lat' must be a finite number (got Infinity)",
      );
    });
    it('in a path parameter', async () => {
      await refused(
        'GET',
        '/api/cases/Infinity',
        undefined,
        'path.id',
        "path parameter 'id' must be a finite number (got Infinity)",
      );
    });
  });

  describe('dates outside range or impossible', () => {
    it('in a body field (format date)', async () => {
      const rule = (from: string) =>
        `{"name":"r","category":"*","area":"anywhere","department_code":"HW","valid_from":"${from}"}`;
      for (const d of ['0000-01-01', '+275760-09-13', '2026-02-30', '10000-01-01']) {
        await refused(
          'POST',
          '/api/rules',
          rule(d),
          'body.valid_from',
          `body field 'valid_from' must be an existing date YYYY-MM-DD from 1000-01-01 to 9999-12-31 (got "${d}")`,
        );
      }
    });
    it('in a query parameter (format date-time)', async () => {
      for (const t of [
        '0000-01-01T00:00:00Z',
        '2026-01-01T23:59:60Z',
        '9999-12-31T23:00:00-05:00',
        '2026-02-30T00:00:00Z',
      ]) {
        await refused(
          'GET',
          `/api/cases?from=${encodeURIComponent(t)}`,
          undefined,
          'query.from',
          "query parameter 'from' must be an RFC 3339 date-time",
        );
      }
      expect((await send('GET', `/api/cases?from=${encodeURIComponent('2025-01-01T00:00:00+08:00')}`)).status).to.equal(
        200,
      );
    });
    it('in a client time of a report', async () => {
      await refused(
        'POST',
        '/api/cases',
        report('"client_time":"0000-12-31T23:00:00-05:00"'),
        'body.client_time',
        'date-time',
      );
    });
  });
});
