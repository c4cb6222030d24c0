/**
 * The policy from one table: every route that writes or needs a token × every role × three region scopes
 * (everywhere, the street 990001001 that holds what the row touches, the other street 990001002). Expected:
 * no token → 401; a role without the permission → 403; with it → the row's success status when the scope covers
 * what the route touches, 403 (404 for a case read) when it does not. The table is written out here, by hand,
 * independently of server/auth/policy.ts; a route missing from it fails the test.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { createUser } from '../../server/auth/tokens.js';
import { ROLES } from '../../server/auth/tokens.js';
import type { Role } from '../../server/db/schema.js';
import { intakeCase } from '../../server/cases/intake.js';
import { applyAction } from '../../server/cases/actions.js';
import { microCity } from '../fixtures/micro-city.js';
import { DRIVER } from '../helpers/db.js';
import { useMicroCityServer } from '../helpers/micro-server.js';
import { photo } from '../media/photos.js';

type Scope = '' | '990001001' | '990001002';
const SCOPES: Scope[] = ['', '990001001', '990001002'];

interface Row {
  route: string;
  /** Roles that may call it (admin included where it may). */
  roles: Role[];
  /**
   * What the call touches: a region code (a scoped user must cover it), '' (everywhere: unscoped users only) or
   * 'filtered' (any scope may call; the answer or the work is limited to the scope).
   */
  touches: string;
  ok: number;
  /** Status for an allowed role whose scope does not cover what the row touches (default 403). */
  outside?: number;
  /** Builds the request: the path and body (called anew before every call); a string body is sent as `type`. */
  make: () => Promise<{ path: string; body?: unknown; type?: string }>;
  /** The status for a role and scope, where it depends on more than role and scope coverage (media: the uploader). */
  status?: (role: Role, scope: Scope) => number;
}

describe(`policy: routes × roles × scopes (${DRIVER})`, () => {
  const env = useMicroCityServer();
  const tokens = new Map<string, string>();
  const key = (role: Role, scope: Scope) => `${role}/${scope}`;
  let n = 0;
  const uniq = () => `${Date.now().toString(36)}${n++}`;
  let caseId = 0;
  let userId = 0;
  const freeGrids = [
    '990001001001002',
    '990001001001003',
    '990001001001004',
    '990001001001005',
    '990001001001006',
    '990001001002001',
    '990001001002002',
    '990001001002003',
  ];

  const db = () => env.database.db;
  let colour = 0;
  const freshPhoto = () =>
    photo({ format: 'png', width: 8, height: 8, colour: `#${(0x100000 + colour++).toString(16)}` });
  /** A fresh media uploaded by the collector of street 990001001. */
  const uploaded = async () => {
    const r = await call(
      'POST',
      '/api/media',
      tokens.get(key('collector', '990001001')),
      await freshPhoto(),
      'image/jpeg',
    );
    return (r.body as { id: number }).id;
  };
  /** A fresh draft of street 990001001 (made by hand, as its editor would). */
  const draft = async (scope = '990001001') =>
    (
      await sql<{ id: number }>`insert into grid_draft (name, created_by_name, region_scope)
        values (${`草稿${uniq()}`}, 'set-up', ${scope}) returning id::int as id`.execute(db())
    ).rows[0].id;
  const call = async (method: string, path: string, token?: string, body?: unknown, type?: string) => {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = type ?? 'application/json';
    const r = await fetch(env.server.url + path, {
      method,
      headers,
      body:
        body === undefined
          ? undefined
          : body instanceof Uint8Array
            ? new Uint8Array(body)
            : type
              ? String(body)
              : JSON.stringify(body),
    });
    const text = await r.text();
    const json = text !== '' && /[/+]json\b/.test(r.headers.get('content-type') ?? '');
    return { status: r.status, body: json ? JSON.parse(text) : undefined };
  };

  before(async () => {
    await sql`insert into department (code, name, kind, region_code, fallback_for) values
      ('JD1', '湖滨街道办', '街道办', '990001001', '990001001'), ('CITY', '监督中心', '监督中心', '', '')`.execute(
      db(),
    );
    await sql`insert into resp_rule (id, name, category_kind, category_pattern, area_kind, area_codes, area_m2, department_code)
      values (900, '湖滨环卫', 'matter', '06', 'regions', '{990001001}', 100000, 'JD1')`.execute(db());
    await sql`insert into area_class_zone (id, name, class, area_kind, area_codes) values (900, '湖滨', 'A', 'regions', '{990001001}')`.execute(
      db(),
    );
    await sql`insert into collector (id, code, name, phone) values (900, 'C900', '监督员', '13800000000')`.execute(
      db(),
    );
    await sql`insert into collector_area (id, name, grid_codes, collector_ids) values (900, '湖滨一片', '{990001001001001}', '{900}')`.execute(
      db(),
    );
    await sql`insert into component (code, category_code, name, geom) values
      ('99000101001000900', '01001', '井盖', ST_SetSRID(ST_MakePoint(100.0005, 20.0025), 4326))`.execute(db());
    for (const role of ROLES) {
      for (const scope of SCOPES) {
        const u = await createUser(
          db(),
          `${role}-${scope || 'all'}`,
          role,
          scope,
          role === 'department_handler' ? 'JD1' : null,
        );
        tokens.set(key(role, scope), u.token);
      }
    }
    userId = (await createUser(db(), 'target-user', 'viewer', '990001001001')).user.id;
    const system = (await createUser(db(), 'set-up', 'admin')).user;
    caseId = (
      await intakeCase(
        db(),
        {
          channel: 'collector',
          category: 'matter:06010',
          description: '垃圾',
          location: { lon: 100.0005, lat: 20.0025 },
        },
        { duplicates: { radiusM: 0, windowHours: 0 } },
      )
    ).id;
    for (const action of ['accept', 'file']) await applyAction(db(), caseId, { action }, system);
  });

  const table: Row[] = [
    {
      route: 'POST /api/departments',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 201,
      make: async () => ({
        path: '/api/departments',
        body: { code: `D${uniq()}`, name: '中队', kind: '城管执法', region_code: '990001001' },
      }),
    },
    {
      route: 'PATCH /api/departments/{code}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      make: async () => ({ path: '/api/departments/JD1', body: { contact: uniq() } }),
    },
    {
      route: 'DELETE /api/departments/{code}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 204,
      make: async () => {
        const code = `D${uniq()}`;
        await sql`insert into department (code, name, kind, region_code) values (${code}, '临时', '其他', '990001001')`.execute(
          db(),
        );
        return { path: `/api/departments/${code}` };
      },
    },
    {
      route: 'POST /api/rules',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 201,
      make: async () => ({
        path: '/api/rules',
        body: { category: 'matter:06', area: { kind: 'regions', codes: ['990001001'] }, department_code: 'JD1' },
      }),
    },
    {
      route: 'PATCH /api/rules/{id}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      make: async () => ({ path: '/api/rules/900', body: { name: uniq() } }),
    },
    {
      route: 'DELETE /api/rules/{id}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 204,
      make: async () => {
        const r = await sql<{
          id: number;
        }>`insert into resp_rule (category_pattern, area_kind, area_codes, area_m2, department_code)
          values ('*', 'regions', '{990001001}', 1, 'JD1') returning id`.execute(db());
        return { path: `/api/rules/${r.rows[0].id}` };
      },
    },
    {
      route: 'POST /api/area-classes',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 201,
      make: async () => ({
        path: '/api/area-classes',
        body: { name: uniq(), class: 'B', area: { kind: 'regions', codes: ['990001001'] } },
      }),
    },
    {
      route: 'PATCH /api/area-classes/{id}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      make: async () => ({ path: '/api/area-classes/900', body: { name: uniq() } }),
    },
    {
      route: 'DELETE /api/area-classes/{id}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 204,
      make: async () => {
        const r = await sql<{ id: number }>`insert into area_class_zone (name, class, area_kind, area_codes)
          values ('临时', 'B', 'regions', '{990001001}') returning id`.execute(db());
        return { path: `/api/area-classes/${r.rows[0].id}` };
      },
    },
    // A new collector, or one in no collector area, belongs to no region yet: any editor may set it up.
    {
      route: 'POST /api/collectors',
      roles: ['admin', 'gis_editor'],
      touches: 'filtered',
      ok: 201,
      make: async () => ({ path: '/api/collectors', body: { code: `C${uniq()}`, name: '新监督员' } }),
    },
    {
      route: 'PATCH /api/collectors/{id}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      make: async () => ({ path: '/api/collectors/900', body: { phone: uniq() } }),
    },
    {
      route: 'DELETE /api/collectors/{id}',
      roles: ['admin', 'gis_editor'],
      touches: 'filtered',
      ok: 204,
      make: async () => {
        const r = await sql<{
          id: number;
        }>`insert into collector (code, name) values (${`C${uniq()}`}, '临时') returning id`.execute(db());
        return { path: `/api/collectors/${r.rows[0].id}` };
      },
    },
    {
      route: 'POST /api/collector-areas',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 201,
      make: async () => ({ path: '/api/collector-areas', body: { name: uniq(), grid_codes: [freeGrids[0]] } }),
    },
    {
      route: 'PATCH /api/collector-areas/{id}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      make: async () => ({ path: '/api/collector-areas/900', body: { name: `湖滨一片${uniq()}` } }),
    },
    {
      route: 'DELETE /api/collector-areas/{id}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 204,
      make: async () => {
        const r = await sql<{
          id: number;
        }>`insert into collector_area (name, grid_codes) values (${uniq()}, '{990001001001001}') returning id`.execute(
          db(),
        );
        return { path: `/api/collector-areas/${r.rows[0].id}` };
      },
    },
    {
      route: 'POST /api/components',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 201,
      make: async () => ({
        path: '/api/components',
        body: {
          code: `990001010010${String(n++).padStart(5, '0')}`,
          class: '01001',
          location: { lon: 100.0005, lat: 20.0025 },
        },
      }),
    },
    {
      route: 'PATCH /api/components/{code}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      make: async () => ({ path: '/api/components/99000101001000900', body: { name: uniq() } }),
    },
    {
      route: 'DELETE /api/components/{code}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 204,
      make: async () => {
        const code = `990001010020${String(n++).padStart(5, '0')}`;
        await sql`insert into component (code, category_code, geom) values (${code}, '01001', ST_SetSRID(ST_MakePoint(100.0005, 20.0025), 4326))`.execute(
          db(),
        );
        return { path: `/api/components/${code}` };
      },
    },
    // Boundary edits go into drafts made for street 990001001 (a draft is invisible outside its scope: 404), so that
    // every allowed call succeeds without using up the live grids; direct edits share the same permission.
    ...(
      [
        [
          'POST /api/grids/{code}/split',
          '990001001001003/split',
          {
            line: {
              type: 'LineString',
              coordinates: [
                [100.0005, 20.0009],
                [100.0005, 20.0021],
              ],
            },
          },
        ],
        ['POST /api/grids/{code}/merge', '990001001001005/merge', { with: ['990001001001006'] }],
        ['POST /api/grids/{code}/reshape', '990001001001003/reshape', { action: 'add', at: [100.0005, 20.001] }],
        ['POST /api/grids/{code}/retire', '990001001001003/retire', { to: '990001001001004' }],
        ['PATCH /api/grids/{code}', '990001001001003', { name: '改名' }],
      ] as const
    ).map(([route, path, body]): Row => ({
      route,
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      outside: 404,
      make: async () => ({ path: `/api/grids/${path}?draft=${await draft()}`, body }),
    })),
    {
      route: 'PATCH /api/regions/{code}',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      outside: 404,
      make: async () => ({ path: `/api/regions/990001001002?draft=${await draft()}`, body: { name: `西湖${uniq()}` } }),
    },
    {
      // A new street is district-level work: a city-wide draft (invisible to street-scoped editors).
      route: 'POST /api/regions',
      roles: ['admin', 'gis_editor'],
      touches: '',
      ok: 200,
      outside: 404,
      make: async () => ({
        path: `/api/regions?draft=${await draft('')}`,
        body: { level: 'street', district_code: '990001', name: '新街道', communities: ['990001001002'] },
      }),
    },
    {
      route: 'POST /api/grids',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      outside: 404,
      make: async () => {
        // A gap in the draft: grid 003 ended there by hand.
        const id = await draft();
        await sql`insert into grid_draft_feature (draft_id, step, level, code, name, geom, base_id)
          select ${id}, 0, 'grid', code, name, null, id from unit_grid where code = '990001001001003' and termination_date is null`.execute(
          db(),
        );
        const ring = [
          [100.0, 20.001],
          [100.001, 20.001],
          [100.001, 20.002],
          [100.0, 20.002],
          [100.0, 20.001],
        ];
        return {
          path: `/api/grids?draft=${id}`,
          body: { community_code: '990001001001', name: '新网格', geometry: { type: 'Polygon', coordinates: [ring] } },
        };
      },
    },
    {
      route: 'GET /api/grid-drafts',
      roles: ['admin', 'gis_editor'],
      touches: 'filtered',
      ok: 200,
      make: async () => ({ path: '/api/grid-drafts' }),
    },
    {
      route: 'POST /api/grid-drafts',
      roles: ['admin', 'gis_editor'],
      touches: 'filtered',
      ok: 201,
      make: async () => ({ path: '/api/grid-drafts', body: { name: `草稿${uniq()}` } }),
    },
    ...(
      [
        ['GET /api/grid-drafts/{id}', '', 200, false],
        ['GET /api/grid-drafts/{id}/what-if', '/what-if', 200, true],
        ['POST /api/grid-drafts/{id}/undo', '/undo', 200, true],
        ['POST /api/grid-drafts/{id}/publish', '/publish', 200, true],
        ['DELETE /api/grid-drafts/{id}', '', 204, false],
      ] as const
    ).map(([route, tail, ok, step]): Row => ({
      route,
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok,
      outside: 404,
      make: async () => {
        const id = await draft();
        if (step) {
          const r = await call(
            'PATCH',
            `/api/grids/990001001001002?draft=${id}`,
            tokens.get(key('gis_editor', '990001001')),
            { name: `改名${uniq()}` },
          );
          expect(r.status, JSON.stringify(r.body)).to.equal(200);
        }
        return { path: `/api/grid-drafts/${id}${tail}` };
      },
    })),
    {
      route: 'POST /api/import',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      make: async () => ({
        path: '/api/import',
        body: {
          type: 'FeatureCollection',
          features: microCity().features.filter((f) => f.properties.code === '990001001001001'),
        },
      }),
    },
    {
      route: 'POST /api/components/import',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      make: async () => ({
        path: '/api/components/import?name=p.geojson',
        body: {
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { GLBJMC: '垃圾箱' },
              geometry: { type: 'Point', coordinates: [100.0005, 20.0025] },
            },
          ],
        },
      }),
    },
    {
      route: 'GET /api/components/import/{id}',
      roles: ['admin', 'gis_editor'],
      touches: 'filtered',
      ok: 200,
      make: async () => {
        const job = await call(
          'POST',
          '/api/components/import?name=p.geojson&async=true',
          tokens.get(key('admin', '')),
          {
            type: 'FeatureCollection',
            features: [
              {
                type: 'Feature',
                properties: { GLBJMC: '垃圾箱' },
                geometry: { type: 'Point', coordinates: [100.0005, 20.0025] },
              },
            ],
          },
        );
        return { path: `/api/components/import/${job.body.id}` };
      },
    },
    {
      route: 'POST /api/addresses/import',
      roles: ['admin', 'gis_editor'],
      touches: '990001001',
      ok: 200,
      make: async () => ({
        path: '/api/addresses/import?name=a.geojson',
        body: {
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { kind: 'landmark', name: `地标${uniq()}` },
              geometry: { type: 'Point', coordinates: [100.0005, 20.0025] },
            },
          ],
        },
      }),
    },
    {
      route: 'GET /api/addresses/import/{id}',
      roles: ['admin', 'gis_editor'],
      touches: 'filtered',
      ok: 200,
      make: async () => {
        const job = await call(
          'POST',
          '/api/addresses/import?name=a.geojson&async=true',
          tokens.get(key('admin', '')),
          {
            type: 'FeatureCollection',
            features: [
              {
                type: 'Feature',
                properties: { kind: 'landmark', name: `地标${uniq()}` },
                geometry: { type: 'Point', coordinates: [100.0005, 20.0025] },
              },
            ],
          },
        );
        return { path: `/api/addresses/import/${job.body.id}` };
      },
    },
    {
      route: 'POST /api/cases/{id}/component',
      roles: ['admin', 'dispatcher'],
      touches: '990001001',
      ok: 200,
      // A case outside the scope is not shown (404), as for reading it.
      outside: 404,
      make: async () => {
        const code = `990001010030${String(n++).padStart(5, '0')}`;
        await sql`insert into component (code, category_code, geom, grid_code) values (${code}, '01003',
          ST_SetSRID(ST_MakePoint(100.0005, 20.0025), 4326), '990001001001001')`.execute(db());
        return { path: `/api/cases/${caseId}/component`, body: { component_code: code } };
      },
    },
    {
      route: 'POST /api/cases/{id}/location',
      roles: ['admin', 'dispatcher'],
      touches: '990001001',
      ok: 200,
      outside: 404,
      make: async () => ({
        path: `/api/cases/${caseId}/location`,
        body: { location: { lon: 100.0005, lat: 20.0025 } },
      }),
    },
    {
      route: 'POST /api/assign/rerun',
      roles: ['admin', 'gis_editor', 'dispatcher'],
      touches: 'filtered',
      ok: 200,
      make: async () => ({ path: '/api/assign/rerun', body: {} }),
    },
    {
      route: 'PUT /api/calendar',
      roles: ['admin'],
      touches: '',
      ok: 200,
      make: async () => ({ path: '/api/calendar', body: (await call('GET', '/api/calendar')).body.definition }),
    },
    {
      route: 'PUT /api/time-limits',
      roles: ['admin'],
      touches: '',
      ok: 200,
      make: async () => {
        const t = (await call('GET', '/api/time-limits')).body;
        return {
          path: '/api/time-limits',
          body: { stages: t.stages, limits: t.limits.map(({ id: _, ...l }: Record<string, unknown>) => l) },
        };
      },
    },
    {
      route: 'POST /api/users',
      roles: ['admin'],
      touches: '990001001',
      ok: 201,
      make: async () => ({
        path: '/api/users',
        body: { name: `u${uniq()}`, role: 'viewer', region_scope: '990001001001' },
      }),
    },
    {
      route: 'PATCH /api/users/{id}',
      roles: ['admin'],
      touches: '990001001',
      ok: 200,
      make: async () => ({ path: `/api/users/${userId}`, body: { role: 'viewer' } }),
    },
    {
      route: 'GET /api/users',
      roles: ['admin'],
      touches: 'filtered',
      ok: 200,
      make: async () => ({ path: '/api/users' }),
    },
    {
      route: 'POST /api/cases',
      roles: ['admin', 'collector', 'dispatcher'],
      touches: '990001001',
      ok: 201,
      make: async () => ({
        path: '/api/cases',
        body: {
          channel: 'collector',
          category: 'matter:06010',
          description: '垃圾',
          location: { lon: 100.0015, lat: 20.0015 },
        },
      }),
    },
    {
      route: 'POST /api/cases/{id}/actions',
      roles: ['admin', 'dispatcher'],
      touches: '990001001',
      ok: 200,
      make: async () => ({ path: `/api/cases/${caseId}/actions`, body: { action: 'urge', note: '请尽快处理' } }),
    },
    {
      route: 'GET /api/cases',
      roles: [...ROLES],
      touches: 'filtered',
      ok: 200,
      make: async () => ({ path: '/api/cases' }),
    },
    {
      route: 'GET /api/cases/{id}',
      roles: [...ROLES],
      touches: '990001001',
      ok: 200,
      outside: 404,
      make: async () => ({ path: `/api/cases/${caseId}` }),
    },
    {
      // A new case at (100.0015, 20.0015), grid 990001001001004: a scoped admin imports only inside the scope.
      route: 'POST /api/exchange/cases',
      roles: ['admin'],
      touches: '990001001',
      ok: 200,
      make: async () => ({
        path: '/api/exchange/cases',
        type: 'application/x-ndjson',
        body: `${JSON.stringify({
          case_no: `P${uniq()}`,
          channel: 'collector',
          category: 'matter:06010',
          description: '垃圾',
          location: { lon: 100.0015, lat: 20.0015 },
          reported_at: '2026-03-02T09:00:00+08:00',
          events: [{ action: 'accept', at: '2026-03-02T09:05:00+08:00' }],
        })}\n`,
      }),
    },
    {
      route: 'GET /api/exchange/cases',
      roles: ['admin'],
      touches: 'filtered',
      ok: 200,
      make: async () => ({ path: '/api/exchange/cases?from=2026-03-01' }),
    },
    {
      route: 'GET /api/analysis/hotspots',
      roles: ['admin', 'gis_editor', 'dispatcher', 'viewer'],
      touches: 'filtered',
      ok: 200,
      make: async () => ({ path: '/api/analysis/hotspots?from=2026-01-01&to=2026-02-01&geometry=false' }),
    },
    {
      route: 'GET /api/analysis/emerging',
      roles: ['admin', 'gis_editor', 'dispatcher', 'viewer'],
      touches: 'filtered',
      ok: 200,
      make: async () => ({ path: '/api/analysis/emerging?from=2025-04-01&to=2026-02-01&geometry=false' }),
    },
    ...['summary', 'departments', 'collectors', 'regions', 'posts'].map((table) => ({
      route: `GET /api/evaluation/${table}`,
      roles: ['admin', 'dispatcher', 'gis_editor', 'viewer'] as Role[],
      touches: 'filtered',
      ok: 200,
      make: async () => ({
        path: `/api/evaluation/${table}?from=2026-01-01&to=2027-01-01${table === 'regions' ? '&level=grid' : ''}`,
      }),
    })),
    {
      route: 'GET /api/evaluation/columns',
      roles: ['admin', 'dispatcher', 'gis_editor', 'viewer'],
      touches: 'filtered',
      ok: 200,
      make: async () => ({ path: '/api/evaluation/columns' }),
    },
    {
      route: 'POST /api/media',
      roles: [...ROLES],
      touches: 'filtered',
      ok: 201,
      // Fresh bytes every call: the same bytes again would be the stored media (200).
      make: async () => ({ path: '/api/media', body: await freshPhoto(), type: 'image/png' }),
    },
    ...(['', '/thumb'] as const).map((tail) => ({
      route: `GET /api/media/{id}${tail}`,
      roles: [...ROLES],
      touches: 'filtered',
      ok: 200,
      // Unattached media, uploaded by the collector of street 990001001: read by it and unscoped centre staff.
      make: async () => ({ path: `/api/media/${await uploaded()}${tail}` }),
      status: (role: Role, scope: Scope) =>
        (role === 'collector' && scope === '990001001') || (scope === '' && (role === 'admin' || role === 'dispatcher'))
          ? 200
          : 404,
    })),
  ];

  it('has a row for every route that writes or needs a token', async () => {
    const doc = (await call('GET', '/api/openapi.json')).body;
    const guarded: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (method !== 'get' || op.security) guarded.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(
      guarded.filter((r) => !table.some((row) => row.route === r)),
      'routes without a policy row',
    ).to.deep.equal([]);
  });

  for (const row of table) {
    it(row.route, async () => {
      const method = row.route.split(' ')[0];
      const seen: string[] = [];
      const want: string[] = [];
      const anonymous = await row.make();
      seen.push(`anonymous ${(await call(method, anonymous.path, undefined, anonymous.body, anonymous.type)).status}`);
      want.push('anonymous 401');
      for (const role of ROLES) {
        for (const scope of SCOPES) {
          const { path, body, type } = await row.make();
          const r = await call(method, path, tokens.get(key(role, scope)), body, type);
          if (r.status === 201 && row.route === 'POST /api/collector-areas') freeGrids.shift(); // each success takes a grid
          seen.push(`${role}/${scope || 'all'} ${r.status}`);
          const covered =
            row.touches === 'filtered' || (row.touches === '' ? scope === '' : row.touches.startsWith(scope));
          const expected = row.status
            ? row.status(role, scope)
            : !row.roles.includes(role)
              ? 403
              : covered
                ? row.ok
                : (row.outside ?? 403);
          want.push(`${role}/${scope || 'all'} ${expected}`);
        }
      }
      expect(seen).to.deep.equal(want);
    });
  }

  it('a refused write stores nothing: the audit trail holds only the allowed calls', async () => {
    const audits = await sql<{
      n: number;
    }>`select count(*)::int as n from audit_event where actor_name like '%-990001002'`.execute(db());
    // The other street's users were refused everything that touched 990001001; what they did do is scope-free.
    const rows = await sql<{ entity: string; action: string }>`
      select distinct entity, action from audit_event where actor_name like '%-990001002' order by 1, 2`.execute(db());
    expect(rows.rows.map((r) => `${r.action} ${r.entity}`).sort()).to.deep.equal([
      'create collector',
      'create grid_draft',
      'create media',
      'delete collector',
      'reassign cases',
    ]);
    // admin and gis_editor: a collector each way and a draft each; three reruns; an upload by every role
    expect(audits.rows[0].n).to.equal(2 + 2 + 2 + 3 + ROLES.length);
  });
});
