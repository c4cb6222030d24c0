/**
 * Working calendar over HTTP: public read, admin-only replace with 400/422 problems, deadlines, audit, memoisation.
 * Runs its own small Koa app with only the calendar routes, so it does not depend on server/app.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import { expect } from 'chai';
import Koa from 'koa';
import { sql } from 'kysely';
import pino from 'pino';
import { createUser } from '../../server/auth/tokens.js';
import type { CalendarDefinition } from '../../server/calendar/calendar.js';
import { calendarRoutes } from '../../server/calendar/routes.js';
import { loadCalendar } from '../../server/calendar/store.js';
import type { Database } from '../../server/db/index.js';
import { Api } from '../../server/http/api.js';
import { problemMiddleware } from '../../server/http/problem.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';

const SHIPPED: CalendarDefinition = JSON.parse(
  fs.readFileSync(new URL('../../data/calendar.json', import.meta.url), 'utf8'),
);

describe(`calendar routes (${DRIVER})`, () => {
  let database: Database;
  let server: http.Server;
  let url: string;
  let admin: string;
  let viewer: string;

  before(async () => {
    database = await openTestDatabase();
    const api = new Api({ db: database.db, publicRead: true, bodyLimitBytes: 1e6 });
    calendarRoutes(api, database.db);
    const app = new Koa();
    app.use(problemMiddleware(pino({ level: 'silent' })));
    app.use(api.router.routes());
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    admin = (await createUser(database.db, 'root', 'admin')).token;
    viewer = (await createUser(database.db, 'watcher', 'viewer')).token;
  });
  after(async () => {
    if (server)
      await new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      });
    await database?.close();
  });

  const call = (path: string, init: { method?: string; token?: string; body?: unknown } = {}) =>
    request(url, init.method ?? 'GET', path, init);
  const deadline = (start: string, q: string) => call(`/api/calendar/deadline?start=${encodeURIComponent(start)}&${q}`);

  it('GET /api/calendar: the seeded definition and when it changed', async () => {
    const r = await call('/api/calendar');
    expect(r.status).to.equal(200);
    expect(r.body.definition).to.deep.equal(SHIPPED);
    expect(new Date(r.body.updated_at).toISOString()).to.equal(r.body.updated_at);
  });

  it('GET /api/calendar/deadline with hours or minutes', async () => {
    const r = await deadline('2026-11-20T16:30:00+08:00', 'hours=2');
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({
      start: '2026-11-20T16:30:00.000+08:00',
      minutes: 120,
      counting_from: '2026-11-20T16:30:00.000+08:00',
      deadline: '2026-11-23T09:30:00.000+08:00',
      deadline_utc: '2026-11-23T01:30:00.000Z',
    });
    expect((await deadline('2026-11-20T09:00:00Z', 'minutes=30')).body.deadline).to.equal(
      '2026-11-20T17:30:00.000+08:00',
    );
    expect((await deadline('2026-11-20T17:30', 'minutes=1')).body.deadline).to.equal('2026-11-23T08:31:00.000+08:00');
    const sunday = await deadline('2026-11-22T15:00:00+08:00', 'minutes=0');
    expect(sunday.body).to.include({
      counting_from: '2026-11-23T08:30:00.000+08:00',
      deadline: '2026-11-23T08:30:00.000+08:00',
    });
    expect((await deadline('2026-10-09T17:00:00+08:00', 'hours=1')).body.deadline).to.equal(
      '2026-10-10T09:00:00.000+08:00',
    );
    // An unencoded '+' arrives as a space and is still read as the offset.
    expect((await call('/api/calendar/deadline?start=2026-11-20T16:30:00+08:00&hours=0.5')).body.deadline).to.equal(
      '2026-11-20T17:00:00.000+08:00',
    );
  });

  it('GET /api/calendar/deadline: 400 for bad or ambiguous parameters', async () => {
    const both = await deadline('2026-11-20T16:30:00+08:00', 'hours=1&minutes=60');
    expect(both.status).to.equal(400);
    expect(both.body.detail).to.equal('give exactly one of the query parameters hours and minutes');
    expect((await call('/api/calendar/deadline?start=2026-11-20T16:30:00Z')).status).to.equal(400);
    const badStart = await deadline('next friday', 'hours=1');
    expect(badStart.status).to.equal(400);
    expect(badStart.body.detail).to.contain("query parameter 'start' must be an ISO 8601 instant");
    const negative = await deadline('2026-11-20T16:30:00Z', 'hours=-1');
    expect(negative.status).to.equal(400);
    expect(negative.body.detail).to.equal("query parameter 'hours' must be >= 0");
    const unknown = await deadline('2026-11-20T16:30:00Z', 'hours=1&days=2');
    expect(unknown.body.detail).to.equal("unknown query parameter 'days'");
  });

  it('PUT /api/calendar: 401 without a token, 403 for a viewer', async () => {
    const noToken = await call('/api/calendar', { method: 'PUT', body: SHIPPED });
    expect(noToken.status).to.equal(401);
    const asViewer = await call('/api/calendar', { method: 'PUT', token: viewer, body: SHIPPED });
    expect(asViewer.status).to.equal(403);
    expect(asViewer.body.detail).to.equal("role 'viewer' may not do this; allowed roles: admin");
  });

  it('PUT /api/calendar: 400 for a wrong shape, 422 listing every semantic problem; nothing changes', async () => {
    const before = (await call('/api/calendar')).body;
    const shape = await call('/api/calendar', {
      method: 'PUT',
      token: admin,
      body: { ...SHIPPED, utc_offset_minutes: '480', holidays: [{ date: '2026-10-01' }] },
    });
    expect(shape.status).to.equal(400);
    expect(shape.body.errors).to.deep.include({
      location: 'body.utc_offset_minutes',
      message: "body field 'utc_offset_minutes' must be integer",
    });
    expect(shape.body.errors).to.deep.include({
      location: 'body.holidays[0].name',
      message: "missing required body field 'holidays[0].name'",
    });

    const bad: CalendarDefinition = structuredClone(SHIPPED);
    bad.weekdays['1'] = [
      ['08:30', '12:00'],
      ['11:00', '17:30'],
    ];
    bad.weekdays['2'] = [['8:30', '12:00']];
    bad.workdays.push({ date: '2026-10-01', name: '错误' });
    const semantic = await call('/api/calendar', { method: 'PUT', token: admin, body: bad });
    expect(semantic.status).to.equal(422);
    expect(semantic.body.errors).to.deep.equal([
      { location: 'body.weekdays.1[1]', message: 'the period 11:00–17:30 overlaps 08:30–12:00' },
      { location: 'body.weekdays.2[0][0]', message: '"8:30" is not a start time HH:MM (00:00–23:59)' },
      {
        location: `body.workdays[${SHIPPED.workdays.length}].date`,
        message: `2026-10-01 is both a holiday (holidays[${SHIPPED.holidays.findIndex((h) => h.date === '2026-10-01')}]) and a make-up workday; keep only one`,
      },
    ]);
    expect(semantic.body.detail).to.match(
      /^the working calendar is not valid: the period 11:00–17:30 overlaps 08:30–12:00; /,
    );
    expect((await call('/api/calendar')).body).to.deep.equal(before);
    const audits = await sql<{
      n: number;
    }>`select count(*)::int as n from audit_event where entity = 'calendar'`.execute(database.db);
    expect(audits.rows[0].n).to.equal(0);
  });

  it('a good PUT changes the deadlines, writes an audit_event and refreshes the memoised calendar', async () => {
    const first = await loadCalendar(database.db);
    expect(await loadCalendar(database.db)).to.equal(first); // memoised while updated_at is unchanged

    // 2026-11-21 (Saturday) becomes a make-up workday on Friday's hours; 2026-11-23 (Monday) becomes a holiday.
    const next: CalendarDefinition = structuredClone(SHIPPED);
    next.workdays.push({ date: '2026-11-21', name: '测试调休', hours_of: 5 });
    next.holidays.push({ date: '2026-11-23', name: '测试假日' });
    const put = await call('/api/calendar', { method: 'PUT', token: admin, body: next });
    expect(put.status).to.equal(200);
    expect(put.body.definition).to.deep.equal(next);
    const got = await call('/api/calendar');
    expect(got.body).to.deep.equal(put.body);

    expect((await deadline('2026-11-20T16:30:00+08:00', 'hours=2')).body.deadline).to.equal(
      '2026-11-21T09:30:00.000+08:00',
    );
    expect((await deadline('2026-11-21T17:00:00+08:00', 'hours=1')).body.deadline).to.equal(
      '2026-11-24T09:00:00.000+08:00',
    );
    const second = await loadCalendar(database.db);
    expect(second).to.not.equal(first);
    expect(second.isWorkday('2026-11-21')).to.equal(true);

    const audit = await sql<{ actor_name: string; action: string; entity_key: string; detail: any }>`
      select actor_name, action, entity_key, detail from audit_event where entity = 'calendar'`.execute(database.db);
    expect(audit.rows).to.have.length(1);
    const row = audit.rows[0];
    expect(row).to.include({ actor_name: 'root', action: 'update', entity_key: '1' });
    const detail = typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail;
    expect(detail).to.deep.equal({
      utc_offset_minutes: 480,
      weekdays_changed: false,
      holidays_added: ['2026-11-23'],
      holidays_removed: [],
      workdays_added: ['2026-11-21'],
      workdays_removed: [],
    });

    // Putting the shipped calendar back restores the original answer.
    expect((await call('/api/calendar', { method: 'PUT', token: admin, body: SHIPPED })).status).to.equal(200);
    expect((await deadline('2026-11-20T16:30:00+08:00', 'hours=2')).body.deadline).to.equal(
      '2026-11-23T09:30:00.000+08:00',
    );
  });
});
