/** The responsibility library admin API: departments, rules and area classes over the micro-city. */
import { expect } from 'chai';
import { sql } from 'kysely';
import { DRIVER } from '../helpers/db.js';
import { box, caller, count, lastAudit, ledger, useLibraryServer, type Ledger } from './helpers.js';

describe(`responsibility library: departments, rules, area classes (${DRIVER})`, () => {
  const env = useLibraryServer();
  const call = caller(env);
  const db = () => env.database.db;
  const round1 = (x: number) => Math.round(x * 10) / 10;

  /** Exactly one audit row and one version bump since `before`. */
  async function expectOneWrite(before: Ledger) {
    expect(await ledger(env)).to.deep.equal({ audits: before.audits + 1, version: before.version + 1 });
  }
  async function expectNoWrite(before: Ledger) {
    expect(await ledger(env)).to.deep.equal(before);
  }
  const gridArea = async (codes: string[]) =>
    (
      await sql<{ a: number }>`
    select sum(area_m2) as a from unit_grid where termination_date is null and code = any(${codes}::text[])`.execute(
        db(),
      )
    ).rows[0].a;
  const regionArea = async (code: string) =>
    (
      await sql<{ a: number }>`
    select area_m2 as a from region where termination_date is null and code = ${code}`.execute(db())
    ).rows[0].a;
  const storedArea = async (id: number) =>
    (await sql<{ a: number | null }>`select area_m2 as a from resp_rule where id = ${id}`.execute(db())).rows[0].a;

  describe('departments', () => {
    it('create → get → list, each write audited once and bumping assignment_version', async () => {
      let before = await ledger(env);
      const r = await call('POST', '/api/departments', {
        token: env.tokens.admin,
        body: { code: 'SZ', name: '市政管理处', kind: '市政', contact: '王工', phone: '010-1' },
      });
      expect(r.status).to.equal(201);
      expect(r.body).to.deep.include({
        code: 'SZ',
        name: '市政管理处',
        parent_code: null,
        kind: '市政',
        contact: '王工',
        phone: '010-1',
        fallback_for: null,
      });
      await expectOneWrite(before);
      const audit = await lastAudit(env);
      expect(audit).to.deep.include({
        actor_id: env.ids.admin,
        actor_name: 'root',
        action: 'create',
        entity: 'department',
        entity_key: 'SZ',
      });
      expect(audit.detail.new).to.deep.include({ code: 'SZ', name: '市政管理处' });

      before = await ledger(env);
      expect(
        (
          await call('POST', '/api/departments', {
            token: env.tokens.editor,
            body: { code: 'SZ-1', name: '市政一所', kind: '市政', parent_code: 'SZ' },
          })
        ).status,
      ).to.equal(201);
      expect(
        (
          await call('POST', '/api/departments', {
            token: env.tokens.editor,
            body: { code: 'JD-HB', name: '湖滨街道办', kind: '街道办', fallback_for: '990001001' },
          })
        ).status,
      ).to.equal(201);
      expect(
        (
          await call('POST', '/api/departments', {
            token: env.tokens.admin,
            body: { code: 'CENTER', name: '监督指挥中心', kind: '监督中心', fallback_for: '' },
          })
        ).status,
      ).to.equal(201);
      expect(await ledger(env)).to.deep.equal({ audits: before.audits + 3, version: before.version + 3 });

      const one = await call('GET', '/api/departments/SZ-1');
      expect(one.status).to.equal(200);
      expect(one.body).to.deep.include({
        code: 'SZ-1',
        parent_code: 'SZ',
        kind: '市政',
        contact: '',
        phone: '',
        fallback_for: null,
      });
      const list = await call('GET', '/api/departments');
      expect(list.body.map((d: any) => [d.code, d.fallback_for])).to.deep.equal([
        ['CENTER', ''],
        ['JD-HB', '990001001'],
        ['SZ', null],
        ['SZ-1', null],
      ]);
      expect((await call('GET', '/api/departments/NOPE')).status).to.equal(404);
    });

    it('a fallback region has one department: 409 naming the holder; nothing stored', async () => {
      const before = await ledger(env);
      const r = await call('POST', '/api/departments', {
        token: env.tokens.admin,
        body: { code: 'JD-2', name: '另一街道办', kind: '街道办', fallback_for: '990001001' },
      });
      expect(r.status).to.equal(409);
      expect(r.body.detail).to.equal(
        'department JD-HB (湖滨街道办) is already the fallback for region 990001001; one department per region',
      );
      const everywhere = await call('PATCH', '/api/departments/SZ', {
        token: env.tokens.admin,
        body: { fallback_for: '' },
      });
      expect(everywhere.status).to.equal(409);
      expect(everywhere.body.detail).to.equal(
        'department CENTER (监督指挥中心) is already the fallback for everywhere; one department per region',
      );
      expect((await call('GET', '/api/departments/SZ')).body.fallback_for).to.equal(null);
      expect(await count(env, 'department')).to.equal(4);
      await expectNoWrite(before);
    });

    it('422 lists every semantic problem (unknown parent, unknown region); 400 for bad shapes', async () => {
      const before = await ledger(env);
      const r = await call('POST', '/api/departments', {
        token: env.tokens.admin,
        body: { code: 'X', name: 'x', kind: '其他', parent_code: 'GHOST', fallback_for: '990001003' },
      });
      expect(r.status).to.equal(422);
      expect(r.body.errors).to.deep.equal([
        { location: 'body.parent_code', message: 'parent department GHOST does not exist' },
        { location: 'body.fallback_for', message: 'fallback_for: no live district or street with code 990001003' },
      ]);
      const community = await call('POST', '/api/departments', {
        token: env.tokens.admin,
        body: { code: 'X', name: 'x', kind: '其他', fallback_for: '990001001001' },
      });
      expect(community.status).to.equal(400);
      const kind = await call('POST', '/api/departments', {
        token: env.tokens.admin,
        body: { code: 'X', name: 'x', kind: '保安' },
      });
      expect(kind.status).to.equal(400);
      expect(kind.body.detail).to.contain("body field 'kind' must be one of");
      expect(await count(env, 'department')).to.equal(4);
      await expectNoWrite(before);
    });

    it('PATCH changes only the fields sent; refuses cycles', async () => {
      let before = await ledger(env);
      const r = await call('PATCH', '/api/departments/SZ', { token: env.tokens.admin, body: { phone: '010-2' } });
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.include({ code: 'SZ', name: '市政管理处', phone: '010-2', contact: '王工' });
      await expectOneWrite(before);
      const audit = await lastAudit(env);
      expect([audit.action, audit.detail.old.phone, audit.detail.new.phone]).to.deep.equal([
        'update',
        '010-1',
        '010-2',
      ]);

      before = await ledger(env);
      const cycle = await call('PATCH', '/api/departments/SZ', {
        token: env.tokens.admin,
        body: { parent_code: 'SZ-1' },
      });
      expect(cycle.status).to.equal(422);
      expect(cycle.body.errors[0].message).to.equal('parent SZ-1 would make a cycle: SZ-1 is under SZ');
      const self = await call('PATCH', '/api/departments/SZ', { token: env.tokens.admin, body: { parent_code: 'SZ' } });
      expect(self.body.errors[0].message).to.equal(
        'parent SZ would make a cycle: a department cannot be its own parent',
      );
      expect(
        (await call('PATCH', '/api/departments/GHOST', { token: env.tokens.admin, body: { phone: '1' } })).status,
      ).to.equal(404);
      await expectNoWrite(before);
    });
  });

  describe('rules', () => {
    const grids = ['990001001001001', '990001001001002', '990001002002001'];
    let regionsId: number;

    it("regions rule: area_m2 is the sum of the listed grids' areas; round trip through GET and the list", async () => {
      const before = await ledger(env);
      const r = await call('POST', '/api/rules', {
        token: env.tokens.admin,
        body: {
          name: '东湖井盖',
          category: 'component:01',
          area: { kind: 'regions', codes: grids },
          department_code: 'SZ',
          priority: 2,
          valid_from: '2026-01-01',
        },
      });
      expect(r.status).to.equal(201);
      await expectOneWrite(before);
      const expected = await gridArea(grids);
      expect(expected).to.be.greaterThan(30000);
      regionsId = r.body.id;
      expect(r.body).to.deep.equal({
        id: regionsId,
        name: '东湖井盖',
        category: 'component:01',
        category_kind: 'component',
        category_pattern: '01',
        area: { kind: 'regions', codes: grids },
        area_m2: round1(expected),
        department_code: 'SZ',
        department_name: '市政管理处',
        priority: 2,
        valid_from: '2026-01-01',
        valid_to: null,
        version: 1,
        created_at: r.body.created_at,
        updated_at: r.body.updated_at,
      });
      expect(await storedArea(regionsId)).to.be.closeTo(expected, 1e-6);
      const audit = await lastAudit(env);
      expect(audit).to.deep.include({ action: 'create', entity: 'rule', entity_key: String(regionsId) });
      expect(audit.detail.new.area).to.deep.equal({ kind: 'regions', codes: grids });
      expect((await call('GET', `/api/rules/${regionsId}`)).body).to.deep.equal(r.body);
      expect((await call('GET', '/api/rules')).body).to.deep.equal([r.body]);
    });

    it('regions rule with nested codes counts the outer code once', async () => {
      // street 990001001 contains community 990001001001 and its grid 990001001001003; 990001002002002 is elsewhere.
      const codes = ['990001001001', '990001001', '990001001001003', '990001002002002'];
      const r = await call('POST', '/api/rules', {
        token: env.tokens.admin,
        body: { category: 'matter:06', area: { kind: 'regions', codes }, department_code: 'SZ-1' },
      });
      expect(r.status).to.equal(201);
      const expected = (await regionArea('990001001')) + (await gridArea(['990001002002002']));
      expect(r.body.area_m2).to.equal(round1(expected));
      expect(await storedArea(r.body.id)).to.be.closeTo(expected, 1e-6);
      expect(r.body).to.deep.include({ name: '', category: 'matter:06', priority: 0 });
      expect(r.body.area).to.deep.equal({ kind: 'regions', codes });
    });

    it('polygon rule: area_m2 is ST_Area(geography); anywhere rule: area_m2 null', async () => {
      const geometry = { type: 'Polygon', coordinates: [box(100.0005, 20.0005, 100.0025, 20.0015)] };
      const r = await call('POST', '/api/rules', {
        token: env.tokens.editor,
        body: { name: '湖边', category: 'matter:06010', area: { kind: 'polygon', geometry }, department_code: 'SZ' },
      });
      expect(r.status).to.equal(201);
      const expected = (
        await sql<{ a: number }>`
        select ST_Area(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}::text), 4326)::geography) as a`.execute(
          db(),
        )
      ).rows[0].a;
      expect(expected).to.be.closeTo(0.002 * 0.001 * 104_600 * 110_700, 300);
      expect(r.body.area_m2).to.equal(round1(expected));
      expect(await storedArea(r.body.id)).to.be.closeTo(expected, 1e-6);
      expect(r.body.area).to.deep.equal({
        kind: 'polygon',
        geometry: { type: 'MultiPolygon', coordinates: [geometry.coordinates] },
      });
      const srid = await sql<{
        srid: number;
        t: string;
      }>`select ST_SRID(area_geom) as srid, GeometryType(area_geom) as t from resp_rule where id = ${r.body.id}`.execute(
        db(),
      );
      expect(srid.rows[0]).to.deep.equal({ srid: 4326, t: 'MULTIPOLYGON' });

      const any = await call('POST', '/api/rules', {
        token: env.tokens.admin,
        body: { category: '*', area: { kind: 'anywhere' }, department_code: 'CENTER', priority: -1 },
      });
      expect(any.status).to.equal(201);
      expect(any.body).to.deep.include({
        category: '*',
        category_kind: null,
        category_pattern: '*',
        area: { kind: 'anywhere' },
        area_m2: null,
      });
      const star = await call('POST', '/api/rules', {
        token: env.tokens.admin,
        body: { category: '*:01', area: { kind: 'anywhere' }, department_code: 'SZ' },
      });
      expect(star.body).to.deep.include({ category: '*:01', category_kind: null, category_pattern: '01' });
    });

    it('a bow-tie polygon is 422 with the PostGIS reason; nothing stored', async () => {
      const before = await ledger(env);
      const rules = await count(env, 'resp_rule');
      const bowtie = {
        type: 'Polygon',
        coordinates: [
          [
            [100, 20],
            [100.001, 20.001],
            [100.001, 20],
            [100, 20.001],
            [100, 20],
          ],
        ],
      };
      const r = await call('POST', '/api/rules', {
        token: env.tokens.admin,
        body: { category: '*', area: { kind: 'polygon', geometry: bowtie }, department_code: 'SZ' },
      });
      expect(r.status).to.equal(422);
      expect(r.body.errors).to.have.length(1);
      expect(r.body.errors[0].location).to.equal('body.area.geometry');
      expect(r.body.errors[0].message).to.match(
        /^body\.area\.geometry is not a valid polygon: Self-intersection\[100\.0005 20\.0005\]$/,
      );
      const open = {
        type: 'Polygon',
        coordinates: [
          [
            [100, 20],
            [100.001, 20],
            [100, 20],
          ],
        ],
      };
      const notClosed = await call('POST', '/api/rules', {
        token: env.tokens.admin,
        body: { category: '*', area: { kind: 'polygon', geometry: open }, department_code: 'SZ' },
      });
      expect(notClosed.body.errors[0].message).to.equal('body.area.geometry: ring 0 has fewer than 4 positions');
      const projected = {
        type: 'MultiPolygon',
        coordinates: [[box(100, 20, 100.001, 20.001)], [box(500000, 3000000, 500100, 3000100)]],
      };
      const far = await call('POST', '/api/rules', {
        token: env.tokens.admin,
        body: { category: '*', area: { kind: 'polygon', geometry: projected }, department_code: 'SZ' },
      });
      expect(far.status).to.equal(422);
      expect(far.body.errors[0].message).to.contain(
        'polygon 1 ring 0 has [500000, 3000000], outside the lon/lat range',
      );
      const unclosed = {
        type: 'Polygon',
        coordinates: [
          [
            [100, 20],
            [100.001, 20],
            [100.001, 20.001],
            [100, 20.001],
            [100, 20.0001],
          ],
        ],
      };
      expect(
        (
          await call('POST', '/api/rules', {
            token: env.tokens.admin,
            body: { category: '*', area: { kind: 'polygon', geometry: unclosed }, department_code: 'SZ' },
          })
        ).body.errors[0].message,
      ).to.equal('body.area.geometry: ring 0 is not closed (first and last positions differ)');
      expect(await count(env, 'resp_rule')).to.equal(rules);
      await expectNoWrite(before);
    });

    it('unknown category, department and region codes: one 422 naming each; nothing stored', async () => {
      const before = await ledger(env);
      const r = await call('POST', '/api/rules', {
        token: env.tokens.admin,
        body: {
          category: 'matter:06999',
          area: { kind: 'regions', codes: ['990001001', '990001001009', '990001002001777'] },
          department_code: 'NOPE',
          valid_from: '2026-02-01',
          valid_to: '2026-01-31',
        },
      });
      expect(r.status).to.equal(422);
      expect(r.body.errors).to.deep.equal([
        { location: 'body.category', message: 'category matter:06999 is not in the category dictionary' },
        { location: 'body.department_code', message: 'department NOPE does not exist' },
        { location: 'body.valid_to', message: 'valid_to 2026-01-31 is before valid_from 2026-02-01' },
        {
          location: 'body.area.codes',
          message: 'body.area.codes: no live region or unit grid with code 990001001009, 990001002001777',
        },
      ]);
      const major = await call('POST', '/api/rules', {
        token: env.tokens.admin,
        body: { category: 'component:06', area: { kind: 'anywhere' }, department_code: 'SZ' },
      });
      expect(major.body.errors).to.deep.equal([
        { location: 'body.category', message: 'category component:06: no component category has major class 06' },
      ]);
      const major99 = await call('POST', '/api/rules', {
        token: env.tokens.admin,
        body: { category: '*:99', area: { kind: 'anywhere' }, department_code: 'SZ' },
      });
      expect(major99.body.errors[0].message).to.equal(
        'category *:99: no component or matter category has major class 99',
      );
      // Shapes are 400: a malformed category, a polygon without geometry, codes on an anywhere area, a bad date.
      for (const body of [
        { category: 'matter:6010', area: { kind: 'anywhere' }, department_code: 'SZ' },
        { category: '*', area: { kind: 'polygon' }, department_code: 'SZ' },
        { category: '*', area: { kind: 'anywhere', codes: ['990001'] }, department_code: 'SZ' },
        { category: '*', area: { kind: 'anywhere' }, department_code: 'SZ', valid_from: '2026-02-30' },
        { category: '*', area: { kind: 'regions', codes: ['99000'] }, department_code: 'SZ' },
      ]) {
        const bad = await call('POST', '/api/rules', { token: env.tokens.admin, body });
        expect(bad.status, JSON.stringify(body)).to.equal(400);
      }
      const noGeom = await call('POST', '/api/rules', {
        token: env.tokens.admin,
        body: { category: '*', area: { kind: 'polygon' }, department_code: 'SZ' },
      });
      expect(noGeom.body.errors).to.deep.equal([
        { location: 'body.area.geometry', message: "missing required body field 'area.geometry' for kind 'polygon'" },
      ]);
      await expectNoWrite(before);
    });

    it('PATCH: partial update, version + 1, updated_at moves; the area is recomputed', async () => {
      const old = (await call('GET', `/api/rules/${regionsId}`)).body;
      let before = await ledger(env);
      const r = await call('PATCH', `/api/rules/${regionsId}`, {
        token: env.tokens.admin,
        body: { name: '东湖井盖（改）', priority: 5, valid_to: '2026-12-31' },
      });
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.include({
        name: '东湖井盖（改）',
        priority: 5,
        valid_from: '2026-01-01',
        valid_to: '2026-12-31',
        version: 2,
        area_m2: old.area_m2,
        category: 'component:01',
      });
      expect(new Date(r.body.updated_at).getTime()).to.be.greaterThan(new Date(old.updated_at).getTime());
      expect(r.body.created_at).to.equal(old.created_at);
      await expectOneWrite(before);
      const audit = await lastAudit(env);
      expect([audit.action, audit.detail.old.version, audit.detail.new.version, audit.detail.old.name]).to.deep.equal([
        'update',
        1,
        2,
        '东湖井盖',
      ]);

      before = await ledger(env);
      const moved = await call('PATCH', `/api/rules/${regionsId}`, {
        token: env.tokens.admin,
        body: { area: { kind: 'regions', codes: ['990001002001'] }, category: 'matter:06010', department_code: 'SZ-1' },
      });
      expect(moved.status).to.equal(200);
      expect(moved.body).to.deep.include({
        version: 3,
        category: 'matter:06010',
        department_code: 'SZ-1',
        department_name: '市政一所',
        area: { kind: 'regions', codes: ['990001002001'] },
      });
      expect(moved.body.area_m2).to.equal(round1(await regionArea('990001002001')));
      await expectOneWrite(before);

      before = await ledger(env);
      const dates = await call('PATCH', `/api/rules/${regionsId}`, {
        token: env.tokens.admin,
        body: { valid_from: '2027-01-01' },
      });
      expect(dates.status).to.equal(422);
      expect(dates.body.errors).to.deep.equal([
        { location: 'body.valid_to', message: 'valid_to 2026-12-31 is before valid_from 2027-01-01' },
      ]);
      expect(
        (await call('PATCH', '/api/rules/9999', { token: env.tokens.admin, body: { name: 'x' } })).status,
      ).to.equal(404);
      expect((await call('PATCH', `/api/rules/${regionsId}`, { token: env.tokens.admin, body: {} })).status).to.equal(
        400,
      );
      expect((await call('GET', `/api/rules/${regionsId}`)).body.version).to.equal(3);
      await expectNoWrite(before);
    });

    it('the list filters by department and by category as written', async () => {
      const all = (await call('GET', '/api/rules')).body;
      expect(all.map((r: any) => r.id)).to.deep.equal(
        [...all.map((r: any) => r.id)].sort((a: number, b: number) => a - b),
      );
      expect(all).to.have.length(5);
      const sz = (await call('GET', '/api/rules?department=SZ')).body;
      expect(sz.map((r: any) => r.category)).to.deep.equal(['matter:06010', '*:01']);
      expect(
        (await call('GET', '/api/rules?category=matter:06010')).body.map((r: any) => r.department_code),
      ).to.deep.equal(['SZ-1', 'SZ']);
      expect((await call('GET', '/api/rules?category=*')).body.map((r: any) => r.department_code)).to.deep.equal([
        'CENTER',
      ]);
      expect((await call('GET', '/api/rules?department=SZ-1&category=matter:06')).body).to.have.length(1);
      expect((await call('GET', '/api/rules?category=bad')).status).to.equal(400);
    });

    it('DELETE removes a rule (204, then 404)', async () => {
      const id = (await call('GET', '/api/rules?category=*:01')).body[0].id;
      const before = await ledger(env);
      const r = await call('DELETE', `/api/rules/${id}`, { token: env.tokens.admin });
      expect(r.status).to.equal(204);
      await expectOneWrite(before);
      const audit = await lastAudit(env);
      expect([audit.action, audit.entity, audit.entity_key, audit.detail.old.category]).to.deep.equal([
        'delete',
        'rule',
        String(id),
        '*:01',
      ]);
      expect((await call('GET', `/api/rules/${id}`)).status).to.equal(404);
      expect((await call('DELETE', `/api/rules/${id}`, { token: env.tokens.admin })).status).to.equal(404);
    });
  });

  describe('area classes', () => {
    it('create (regions and polygon) → get → list → patch → delete', async () => {
      let before = await ledger(env);
      const a = await call('POST', '/api/area-classes', {
        token: env.tokens.admin,
        body: { name: '核心区', class: 'A', area: { kind: 'regions', codes: ['990001001001'] } },
      });
      expect(a.status).to.equal(201);
      expect(a.body).to.deep.include({
        name: '核心区',
        class: 'A',
        area: { kind: 'regions', codes: ['990001001001'] },
      });
      await expectOneWrite(before);
      expect(await lastAudit(env)).to.deep.include({
        action: 'create',
        entity: 'area_class',
        entity_key: String(a.body.id),
      });
      const geometry = { type: 'MultiPolygon', coordinates: [[box(100.003, 20, 100.006, 20.003)]] };
      const b = await call('POST', '/api/area-classes', {
        token: env.tokens.editor,
        body: { name: '公园', class: 'B', area: { kind: 'polygon', geometry } },
      });
      expect(b.status).to.equal(201);
      expect(b.body.area).to.deep.equal({ kind: 'polygon', geometry });
      expect((await call('GET', `/api/area-classes/${a.body.id}`)).body).to.deep.equal(a.body);
      expect((await call('GET', '/api/area-classes')).body.map((z: any) => [z.name, z.class])).to.deep.equal([
        ['核心区', 'A'],
        ['公园', 'B'],
      ]);

      before = await ledger(env);
      const p = await call('PATCH', `/api/area-classes/${b.body.id}`, {
        token: env.tokens.admin,
        body: { class: 'A', area: { kind: 'regions', codes: ['990001002001', '990001002002'] } },
      });
      expect(p.status).to.equal(200);
      expect(p.body).to.deep.include({
        name: '公园',
        class: 'A',
        area: { kind: 'regions', codes: ['990001002001', '990001002002'] },
      });
      await expectOneWrite(before);

      before = await ledger(env);
      expect(
        (
          await call('POST', '/api/area-classes', {
            token: env.tokens.admin,
            body: { name: 'x', class: 'A', area: { kind: 'anywhere' } },
          })
        ).status,
      ).to.equal(400);
      expect(
        (
          await call('POST', '/api/area-classes', {
            token: env.tokens.admin,
            body: { name: 'x', class: 'D', area: { kind: 'regions', codes: ['990001'] } },
          })
        ).status,
      ).to.equal(400);
      const unknown = await call('POST', '/api/area-classes', {
        token: env.tokens.admin,
        body: { name: 'x', class: 'C', area: { kind: 'regions', codes: ['990002'] } },
      });
      expect(unknown.status).to.equal(422);
      expect(unknown.body.errors[0].message).to.equal('body.area.codes: no live region or unit grid with code 990002');
      await expectNoWrite(before);

      before = await ledger(env);
      expect((await call('DELETE', `/api/area-classes/${a.body.id}`, { token: env.tokens.admin })).status).to.equal(
        204,
      );
      await expectOneWrite(before);
      expect((await call('GET', `/api/area-classes/${a.body.id}`)).status).to.equal(404);
      expect(await count(env, 'area_class_zone')).to.equal(1);
    });
  });

  describe('auth and region scope', () => {
    it('writes need a token (401) and role admin or gis_editor (403); reads are public', async () => {
      const before = await ledger(env);
      const body = { code: 'HW', name: '环卫所', kind: '环卫' };
      expect((await call('POST', '/api/departments', { body })).status).to.equal(401);
      expect((await call('POST', '/api/departments', { body, token: env.tokens.viewer })).status).to.equal(403);
      const collector = await call('PATCH', '/api/departments/SZ', {
        body: { phone: '1' },
        token: env.tokens.collector,
      });
      expect(collector.status).to.equal(403);
      expect(collector.body.detail).to.equal("role 'collector' may not do this; allowed roles: admin, gis_editor");
      expect((await call('DELETE', '/api/rules/1')).status).to.equal(401);
      expect(
        (
          await call('POST', '/api/area-classes', {
            body: { name: 'x', class: 'A', area: { kind: 'regions', codes: ['990001'] } },
            token: env.tokens.viewer,
          })
        ).status,
      ).to.equal(403);
      for (const path of ['/api/departments', '/api/rules', '/api/area-classes', '/api/departments/SZ']) {
        expect((await call('GET', path)).status, path).to.equal(200);
      }
      await expectNoWrite(before);
    });

    it('a scoped gis_editor writes only inside the scope (403 otherwise, nothing stored)', async () => {
      const t = env.tokens.scoped; // scope 990001001 (湖滨街道)
      let before = await ledger(env);
      const inside = await call('POST', '/api/rules', {
        token: t,
        body: {
          category: 'matter:06',
          area: { kind: 'regions', codes: ['990001001002', '990001001001005'] },
          department_code: 'JD-HB',
        },
      });
      expect(inside.status).to.equal(201);
      const inPoly = await call('POST', '/api/rules', {
        token: t,
        body: {
          category: 'matter:07',
          area: { kind: 'polygon', geometry: { type: 'Polygon', coordinates: [box(100, 20, 100.003, 20.003)] } },
          department_code: 'JD-HB',
        },
      });
      expect(inPoly.status).to.equal(201);
      expect(await ledger(env)).to.deep.equal({ audits: before.audits + 2, version: before.version + 2 });

      before = await ledger(env);
      const rules = await count(env, 'resp_rule');
      const outside = await call('POST', '/api/rules', {
        token: t,
        body: {
          category: 'matter:06',
          area: { kind: 'regions', codes: ['990001001002', '990001002001', '990001'] },
          department_code: 'JD-HB',
        },
      });
      expect(outside.status).to.equal(403);
      expect(outside.body.detail).to.equal(
        'the rule area codes: 990001002001, 990001 are outside your region scope 990001001',
      );
      const anywhere = await call('POST', '/api/rules', {
        token: t,
        body: { category: '*', area: { kind: 'anywhere' }, department_code: 'JD-HB' },
      });
      expect(anywhere.status).to.equal(403);
      expect(anywhere.body.detail).to.equal('the rule area covers everywhere, beyond your region scope 990001001');
      const poly = await call('POST', '/api/rules', {
        token: t,
        body: {
          category: '*',
          area: { kind: 'polygon', geometry: { type: 'Polygon', coordinates: [box(100.002, 20, 100.004, 20.001)] } },
          department_code: 'JD-HB',
        },
      });
      expect(poly.status).to.equal(403);
      expect(poly.body.detail).to.equal('the rule area polygon lies outside your region scope 990001001');
      // Someone else's rule outside the scope: not to be changed or deleted.
      const foreign = (await call('GET', '/api/rules?category=matter:06010')).body[0];
      expect(foreign.area.codes).to.deep.equal(['990001002001']);
      expect(
        (await call('PATCH', `/api/rules/${foreign.id}`, { token: t, body: { name: 'mine now' } })).status,
      ).to.equal(403);
      expect((await call('DELETE', `/api/rules/${foreign.id}`, { token: t })).status).to.equal(403);
      const fallback = await call('POST', '/api/departments', {
        token: t,
        body: {
          code: 'JD-SQ',
          name: '山前街道办',
          kind: '街道办',
          region_code: '990001002',
          fallback_for: '990001002',
        },
      });
      expect(fallback.status).to.equal(403);
      expect(fallback.body.detail).to.equal(
        "the department's region_code: 990001002 is outside your region scope 990001001",
      );
      const cityWide = await call('POST', '/api/departments', {
        token: t,
        body: { code: 'SQ-X', name: '市级部门', kind: '其他' },
      });
      expect(cityWide.status).to.equal(403);
      expect(cityWide.body.detail).to.equal(
        "the department's region_code covers everywhere, beyond your region scope 990001001",
      );
      expect(
        (await call('PATCH', '/api/departments/CENTER', { token: t, body: { fallback_for: null } })).status,
      ).to.equal(403);
      expect(
        (
          await call('POST', '/api/area-classes', {
            token: t,
            body: { name: '山前', class: 'B', area: { kind: 'regions', codes: ['990001002'] } },
          })
        ).status,
      ).to.equal(403);
      expect(await count(env, 'resp_rule')).to.equal(rules);
      await expectNoWrite(before);
    });
  });

  describe('deleting departments', () => {
    it('a referenced department is 409 listing rules, sub-departments, components, cases and users; a free one is deleted', async () => {
      await sql`insert into component (code, category_code, name, owner_code) values ('99000101001000001', '01001', '井盖', 'SZ')`.execute(
        db(),
      );
      await sql`update app_user set department_code = 'SZ' where name = 'walker'`.execute(db());
      await sql`insert into case_record (id, case_no, channel, category_kind, category_code, description, lon, lat, geom,
          input_crs, input_lon, input_lat, state, area_class, assignment, assignment_version, department_code)
        values (1, 'T-1', 'collector', 'matter', '06010', '垃圾', 100.0005, 20.0005, ST_SetSRID(ST_MakePoint(100.0005, 20.0005), 4326),
          'wgs84', 100.0005, 20.0005, 'reported', 'C', '{}', 1, 'SZ')`.execute(db());
      const before = await ledger(env);
      const sz = (await call('GET', '/api/rules?department=SZ')).body.map((r: any) => r.id);
      expect(sz).to.have.length(1);
      const r = await call('DELETE', '/api/departments/SZ', { token: env.tokens.admin });
      expect(r.status).to.equal(409);
      expect(r.body.references).to.deep.equal({
        rules: sz,
        departments: ['SZ-1'],
        components: ['99000101001000001'],
        cases: 1,
        users: ['walker'],
      });
      expect(r.body.detail).to.equal(
        `department SZ is still referenced by 1 rule (#${sz[0]}), 1 sub-department (SZ-1), 1 component (99000101001000001), 1 case, 1 user (walker); move or delete them first`,
      );
      expect((await call('GET', '/api/departments/SZ')).status).to.equal(200);
      await expectNoWrite(before);

      const free = await call('POST', '/api/departments', {
        token: env.tokens.admin,
        body: { code: 'TMP', name: '临时', kind: '其他', parent_code: 'SZ-1' },
      });
      expect(free.status).to.equal(201);
      const mid = await ledger(env);
      expect((await call('DELETE', '/api/departments/TMP', { token: env.tokens.admin })).status).to.equal(204);
      await expectOneWrite(mid);
      const audit = await lastAudit(env);
      expect([audit.action, audit.entity, audit.entity_key, audit.detail.old.name]).to.deep.equal([
        'delete',
        'department',
        'TMP',
        '临时',
      ]);
      expect((await call('GET', '/api/departments/TMP')).status).to.equal(404);
      expect((await call('DELETE', '/api/departments/TMP', { token: env.tokens.admin })).status).to.equal(404);
    });
  });
});
