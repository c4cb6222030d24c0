/** The responsibility library admin API: collectors, collector areas and components over the micro-city. */
import { expect } from 'chai';
import { sql } from 'kysely';
import { DRIVER } from '../helpers/db.js';
import { caller, count, lastAudit, ledger, useLibraryServer, type Ledger } from './helpers.js';

describe(`responsibility library: collectors, collector areas, components (${DRIVER})`, () => {
  const env = useLibraryServer();
  const call = caller(env);
  const expectWrites = async (before: Ledger, n: number) =>
    expect(await ledger(env)).to.deep.equal({ audits: before.audits + n, version: before.version + n });

  before(async () => {
    await sql`insert into department (code, name, kind) values ('SZ', '市政管理处', '市政'), ('YL', '园林所', '园林')`.execute(
      env.database.db,
    );
  });

  describe('collectors', () => {
    it('create → get → list → patch; user_id must be a collector user; codes are unique', async () => {
      let before = await ledger(env);
      const a = await call('POST', '/api/collectors', {
        token: env.tokens.admin,
        body: { code: 'C02', name: '李四', phone: '139', user_id: env.ids.collector },
      });
      expect(a.status).to.equal(201);
      expect(a.body).to.deep.equal({
        id: a.body.id,
        code: 'C02',
        name: '李四',
        phone: '139',
        user_id: env.ids.collector,
        version: 1,
      });
      const b = await call('POST', '/api/collectors', {
        token: env.tokens.editor,
        body: { code: 'C01', name: '张三' },
      });
      // A gis_editor sees collectors' names but not their phone numbers (server/auth/visibility.ts), even in its own answer.
      expect(b.body).to.deep.equal({ id: b.body.id, code: 'C01', name: '张三', user_id: null, version: 1 });
      await expectWrites(before, 2);
      expect(await lastAudit(env)).to.deep.include({
        actor_name: 'editor',
        action: 'create',
        entity: 'collector',
        entity_key: String(b.body.id),
      });
      expect((await call('GET', `/api/collectors/${a.body.id}`, { token: env.tokens.admin })).body).to.deep.equal(
        a.body,
      );
      expect((await call('GET', `/api/collectors/${b.body.id}`, { token: env.tokens.admin })).body).to.deep.equal({
        ...b.body,
        phone: '',
      });
      expect((await call('GET', '/api/collectors')).body.map((c: any) => c.code)).to.deep.equal(['C01', 'C02']);

      before = await ledger(env);
      const viewer = await call('POST', '/api/collectors', {
        token: env.tokens.admin,
        body: { code: 'C03', name: '王五', user_id: env.ids.viewer },
      });
      expect(viewer.status).to.equal(422);
      expect(viewer.body.errors).to.deep.equal([
        { location: 'body.user_id', message: `user ${env.ids.viewer} (watcher) has role viewer, not collector` },
      ]);
      const ghost = await call('POST', '/api/collectors', {
        token: env.tokens.admin,
        body: { code: 'C03', name: '王五', user_id: 9999 },
      });
      expect(ghost.body.errors).to.deep.equal([{ location: 'body.user_id', message: 'no user with id 9999' }]);
      const dup = await call('POST', '/api/collectors', {
        token: env.tokens.admin,
        body: { code: 'C01', name: '重复' },
      });
      expect(dup.status).to.equal(409);
      expect(dup.body.detail).to.equal(`collector code C01 is already used by collector #${b.body.id}`);
      expect(
        (await call('POST', '/api/collectors', { token: env.tokens.admin, body: { code: 'C 1', name: 'x' } })).status,
      ).to.equal(400);
      expect(
        (await call('POST', '/api/collectors', { token: env.tokens.viewer, body: { code: 'C9', name: 'x' } })).status,
      ).to.equal(403);
      expect((await call('POST', '/api/collectors', { body: { code: 'C9', name: 'x' } })).status).to.equal(401);
      expect(await count(env, 'collector')).to.equal(2);
      await expectWrites(before, 0);

      before = await ledger(env);
      const p = await call('PATCH', `/api/collectors/${b.body.id}`, {
        token: env.tokens.admin,
        body: { phone: '137', user_id: env.ids.collector },
      });
      expect(p.status).to.equal(200);
      expect(p.body).to.deep.equal({
        id: b.body.id,
        code: 'C01',
        name: '张三',
        phone: '137',
        user_id: env.ids.collector,
        version: 2,
      });
      await expectWrites(before, 1);
      const audit = await lastAudit(env);
      expect([audit.action, audit.detail.old.phone, audit.detail.new.phone]).to.deep.equal(['update', '', '137']);
      expect(
        (await call('PATCH', '/api/collectors/9999', { token: env.tokens.admin, body: { phone: '1' } })).status,
      ).to.equal(404);
      expect(
        (await call('PATCH', `/api/collectors/${b.body.id}`, { token: env.tokens.admin, body: { code: 'C02' } }))
          .status,
      ).to.equal(409);
    });
  });

  describe('collector areas', () => {
    let ids: number[];
    let areaId: number;

    it('create → get → list: collectors are listed with the area', async () => {
      ids = (await call('GET', '/api/collectors')).body.map((c: any) => c.id);
      const before = await ledger(env);
      const r = await call('POST', '/api/collector-areas', {
        token: env.tokens.admin,
        body: {
          name: '东湖片',
          grid_codes: ['990001001001001', '990001001001002', '990001001001001'],
          collector_ids: ids,
        },
      });
      expect(r.status).to.equal(201);
      areaId = r.body.id;
      expect(r.body).to.deep.include({
        name: '东湖片',
        grid_codes: ['990001001001001', '990001001001002'],
        collector_ids: ids,
      });
      expect(r.body.collectors.map((c: any) => [c.code, c.name, c.phone])).to.deep.equal([
        ['C01', '张三', '137'],
        ['C02', '李四', '139'],
      ]);
      await expectWrites(before, 1);
      expect(await lastAudit(env)).to.deep.include({
        action: 'create',
        entity: 'collector_area',
        entity_key: String(areaId),
      });
      expect((await call('GET', `/api/collector-areas/${areaId}`, { token: env.tokens.admin })).body).to.deep.equal(
        r.body,
      );
      expect((await call('GET', '/api/collector-areas', { token: env.tokens.admin })).body).to.deep.equal([r.body]);
      expect((await call('GET', '/api/collector-areas/9999')).status).to.equal(404);
    });

    it('one grid, one collector area: 409 naming the area and the grids; 409 for a taken name; 422 for unknown grids and collectors', async () => {
      const before = await ledger(env);
      const overlap = await call('POST', '/api/collector-areas', {
        token: env.tokens.admin,
        body: { name: '湖滨片', grid_codes: ['990001001002001', '990001001001002', '990001001001001'] },
      });
      expect(overlap.status).to.equal(409);
      expect(overlap.body.detail).to.equal(
        `a unit grid belongs to one collector area: 990001001001001, 990001001001002 already belong to collector area "东湖片" (#${areaId})`,
      );
      expect(overlap.body.conflicts).to.deep.equal([
        { id: areaId, name: '东湖片', grid_codes: ['990001001001001', '990001001001002'] },
      ]);
      const name = await call('POST', '/api/collector-areas', {
        token: env.tokens.admin,
        body: { name: '东湖片', grid_codes: ['990001001002001'] },
      });
      expect(name.status).to.equal(409);
      expect(name.body.detail).to.equal(`a collector area named "东湖片" already exists (#${areaId})`);
      const unknown = await call('POST', '/api/collector-areas', {
        token: env.tokens.admin,
        body: {
          name: '新片',
          grid_codes: ['990001001002001', '990001001002009', '990001009001001'],
          collector_ids: [ids[0], 777],
        },
      });
      expect(unknown.status).to.equal(422);
      expect(unknown.body.errors).to.deep.equal([
        {
          location: 'body.grid_codes',
          message: 'grid_codes: no live unit grid with code 990001001002009, 990001009001001',
        },
        { location: 'body.collector_ids', message: 'collector_ids: no collector with id 777' },
      ]);
      expect(
        (
          await call('POST', '/api/collector-areas', {
            token: env.tokens.admin,
            body: { name: 'x', grid_codes: ['990001001002'] },
          })
        ).status,
      ).to.equal(400);
      expect(
        (await call('POST', '/api/collector-areas', { token: env.tokens.admin, body: { name: 'x', grid_codes: [] } }))
          .status,
      ).to.equal(400);
      expect(await count(env, 'collector_area')).to.equal(1);
      await expectWrites(before, 0);
    });

    it('concurrent writers claiming the same grid: one wins, the other gets 409', async () => {
      const before = await ledger(env);
      const claim = (name: string) =>
        call('POST', '/api/collector-areas', {
          token: env.tokens.admin,
          body: { name, grid_codes: ['990001002001002'] },
        });
      const replies = await Promise.all([claim('公园甲'), claim('公园乙'), claim('公园丙')]);
      expect(replies.map((r) => r.status).sort()).to.deep.equal([201, 409, 409]);
      await expectWrites(before, 1);
      const winner = replies.find((r) => r.status === 201)!.body;
      expect((await call('DELETE', `/api/collector-areas/${winner.id}`, { token: env.tokens.admin })).status).to.equal(
        204,
      );
    });

    it('a scoped gis_editor assigns only grids in the scope', async () => {
      const t = env.tokens.scoped; // 990001001
      const before = await ledger(env);
      const out = await call('POST', '/api/collector-areas', {
        token: t,
        body: { name: '山前片', grid_codes: ['990001001002003', '990001002002002'] },
      });
      expect(out.status).to.equal(403);
      expect(out.body.detail).to.equal('grid_codes: 990001002002002 is outside your region scope 990001001');
      await expectWrites(before, 0);
      const ok = await call('POST', '/api/collector-areas', {
        token: t,
        body: { name: '西湖片', grid_codes: ['990001001002001', '990001001002002', '990001001002003'] },
      });
      expect(ok.status).to.equal(201);
      await expectWrites(before, 1);
      const foreign = await call('POST', '/api/collector-areas', {
        token: env.tokens.admin,
        body: { name: '河东片', grid_codes: ['990001002002001'] },
      });
      expect(
        (await call('PATCH', `/api/collector-areas/${foreign.body.id}`, { token: t, body: { name: '河东' } })).status,
      ).to.equal(403);
      expect((await call('DELETE', `/api/collector-areas/${foreign.body.id}`, { token: t })).status).to.equal(403);
    });

    it('PATCH replaces grids and collectors; a collector in an area cannot be deleted until removed', async () => {
      const [c1, c2] = ids;
      let before = await ledger(env);
      const refused = await call('DELETE', `/api/collectors/${c2}`, { token: env.tokens.admin });
      expect(refused.status).to.equal(409);
      expect(refused.body.detail).to.equal(
        `collector C02 is still in collector area "东湖片" (#${areaId}); remove it there first`,
      );
      await expectWrites(before, 0);

      const p = await call('PATCH', `/api/collector-areas/${areaId}`, {
        token: env.tokens.admin,
        body: { grid_codes: ['990001001001003'], collector_ids: [c1] },
      });
      expect(p.status).to.equal(200);
      expect(p.body).to.deep.include({ name: '东湖片', grid_codes: ['990001001001003'], collector_ids: [c1] });
      expect(p.body.collectors.map((c: any) => c.code)).to.deep.equal(['C01']);
      await expectWrites(before, 1);
      const audit = await lastAudit(env);
      expect([audit.action, audit.detail.old.grid_codes, audit.detail.new.grid_codes]).to.deep.equal([
        'update',
        ['990001001001001', '990001001001002'],
        ['990001001001003'],
      ]);

      // The freed grids can go to another area now; a taken one still cannot.
      expect(
        (
          await call('POST', '/api/collector-areas', {
            token: env.tokens.admin,
            body: { name: '东湖北', grid_codes: ['990001001001001'] },
          })
        ).status,
      ).to.equal(201);
      expect(
        (
          await call('PATCH', `/api/collector-areas/${areaId}`, {
            token: env.tokens.admin,
            body: { grid_codes: ['990001001001003', '990001001001001'] },
          })
        ).status,
      ).to.equal(409);
      // Keeping its own grids is no conflict.
      expect(
        (
          await call('PATCH', `/api/collector-areas/${areaId}`, {
            token: env.tokens.admin,
            body: { name: '东湖南', grid_codes: ['990001001001003'] },
          })
        ).status,
      ).to.equal(200);

      before = await ledger(env);
      expect((await call('DELETE', `/api/collectors/${c2}`, { token: env.tokens.admin })).status).to.equal(204);
      await expectWrites(before, 1);
      expect((await call('GET', `/api/collectors/${c2}`)).status).to.equal(404);
      before = await ledger(env);
      expect((await call('DELETE', `/api/collector-areas/${areaId}`, { token: env.tokens.admin })).status).to.equal(
        204,
      );
      await expectWrites(before, 1);
      expect(await lastAudit(env)).to.deep.include({
        action: 'delete',
        entity: 'collector_area',
        entity_key: String(areaId),
      });
      expect((await call('GET', `/api/collector-areas/${areaId}`)).status).to.equal(404);
    });
  });

  describe('components', () => {
    const code = '99000101001000001';

    it('create → get → list → patch → delete', async () => {
      let before = await ledger(env);
      const r = await call('POST', '/api/components', {
        token: env.tokens.admin,
        body: {
          code,
          class: '01001',
          name: '东湖1号井盖',
          owner_code: 'SZ',
          maintainer_code: 'YL',
          location: { lon: 100.0005, lat: 20.0025 },
        },
      });
      expect(r.status).to.equal(201);
      const { valid_from, ...shown } = r.body;
      expect(Date.parse(valid_from)).to.be.greaterThan(0);
      expect(shown).to.deep.equal({
        code,
        class: '01001',
        class_name: '供水井盖',
        major: '01',
        name: '东湖1号井盖',
        status: '完好',
        owner: { code: 'SZ', name: '市政管理处' },
        title: null,
        maintainer: { code: 'YL', name: '园林所' },
        grid_code: '990001001001001',
        community_code: '990001001001',
        community_name: '东湖社区',
        street_code: '990001001',
        street_name: '湖滨街道',
        district_code: '990001',
        given_grid_code: null,
        initial_date: null,
        change_date: null,
        data_source: '',
        note: '',
        accuracy: null,
        photos: [],
        extras: {},
        location: { lon: 100.0005, lat: 20.0025 },
        geometry: { type: 'Point', coordinates: [100.0005, 20.0025] },
        version: 1,
      });
      await expectWrites(before, 1);
      expect(await lastAudit(env)).to.deep.include({ action: 'create', entity: 'component', entity_key: code });
      const geom = await sql<{
        t: string;
        srid: number;
      }>`select ST_AsText(geom) as t, ST_SRID(geom) as srid from component where code = ${code}`.execute(
        env.database.db,
      );
      expect(geom.rows[0]).to.deep.equal({ t: 'POINT(100.0005 20.0025)', srid: 4326 });
      expect((await call('GET', `/api/components/${code}`)).body).to.deep.equal(r.body);
      const short = await call('POST', '/api/components', {
        token: env.tokens.editor,
        body: { code: '9900010102000002', class: '01002' },
      });
      expect(short.body).to.deep.include({
        code: '9900010102000002',
        class: '01002',
        class_name: '污水井盖',
        name: '污水井盖',
        owner: null,
        maintainer: null,
        status: '完好',
        grid_code: null,
        location: null,
        geometry: null,
        version: 1,
      });
      const list = (await call('GET', '/api/components')).body;
      expect(list.type).to.equal('FeatureCollection');
      expect(list.features.map((c: any) => c.properties.code)).to.deep.equal([code, '9900010102000002']);

      before = await ledger(env);
      const p = await call('PATCH', `/api/components/${code}`, {
        token: env.tokens.admin,
        body: { status: '破损', maintainer_code: null, location: { lon: 100.0015, lat: 20.0005 } },
      });
      expect(p.status).to.equal(200);
      expect(p.body).to.deep.include({
        status: '破损',
        maintainer: null,
        owner: { code: 'SZ', name: '市政管理处' },
        grid_code: '990001001001006',
        location: { lon: 100.0015, lat: 20.0005 },
      });
      await expectWrites(before, 1);
      const cleared = await call('PATCH', `/api/components/${code}`, {
        token: env.tokens.admin,
        body: { location: null },
      });
      expect(cleared.body.location).to.equal(null);

      before = await ledger(env);
      expect((await call('DELETE', `/api/components/${code}`, { token: env.tokens.admin })).status).to.equal(204);
      await expectWrites(before, 1);
      expect((await call('GET', `/api/components/${code}`)).status).to.equal(404);
    });

    it('unknown component category or department is 422; a taken code 409; shapes 400; nothing stored', async () => {
      const before = await ledger(env);
      const r = await call('POST', '/api/components', {
        token: env.tokens.admin,
        body: { code, class: '06010', owner_code: 'NOPE', maintainer_code: 'GONE' },
      });
      expect(r.status).to.equal(422);
      expect(r.body.errors).to.deep.equal([
        { location: 'body.class', message: '06010 is not a component class of GB/T 47678.5 表A.1' },
        { location: 'body.owner_code', message: 'owner_code: department NOPE does not exist' },
        { location: 'body.maintainer_code', message: 'maintainer_code: department GONE does not exist' },
      ]);
      const taken = await call('POST', '/api/components', {
        token: env.tokens.admin,
        body: { code: '9900010102000002', class: '01002' },
      });
      expect(taken.status).to.equal(409);
      expect(taken.body.detail).to.equal('component 9900010102000002 already exists');
      for (const body of [
        { code: '123456789012345', class: '01001' },
        { code, class: '0100' },
        { code, class: '01001', location: { lon: 200, lat: 20 } },
        { code, class: '01001', location: { lon: 100 } },
      ])
        expect(
          (await call('POST', '/api/components', { token: env.tokens.admin, body })).status,
          JSON.stringify(body),
        ).to.equal(400);
      expect(
        (await call('PATCH', `/api/components/${code}`, { token: env.tokens.admin, body: { status: '丢失' } })).status,
      ).to.equal(404);
      expect(await count(env, 'component')).to.equal(1);
      await expectWrites(before, 0);
    });

    it('a scoped gis_editor places components only inside the scope; a component named by a case is not deleted', async () => {
      const t = env.tokens.scoped;
      // A deleted component's code is not given again: this test uses its own.
      const fresh = '99000101001000003';
      let before = await ledger(env);
      const out = await call('POST', '/api/components', {
        token: t,
        body: { code: fresh, class: '01001', location: { lon: 100.0045, lat: 20.0005 } },
      });
      expect(out.status).to.equal(403);
      expect(out.body.detail).to.equal('location lies outside your region scope 990001001');
      await expectWrites(before, 0);
      const inside = await call('POST', '/api/components', {
        token: t,
        body: { code: fresh, class: '01001', location: { lon: 100.0025, lat: 20.0005 } },
      });
      expect(inside.status).to.equal(201);
      await expectWrites(before, 1);
      expect(
        (
          await call('PATCH', `/api/components/${fresh}`, {
            token: t,
            body: { location: { lon: 100.006, lat: 20.001 } },
          })
        ).status,
      ).to.equal(403);

      await sql`insert into case_record (id, case_no, channel, category_kind, category_code, description, lon, lat, geom,
          input_crs, input_lon, input_lat, state, area_class, assignment, assignment_version, component_code)
        values (1, 'T-1', 'collector', 'component', '01001', '井盖破损', 100.0025, 20.0005, ST_SetSRID(ST_MakePoint(100.0025, 20.0005), 4326),
          'wgs84', 100.0025, 20.0005, 'reported', 'C', '{}', 1, ${fresh})`.execute(env.database.db);
      before = await ledger(env);
      const named = await call('DELETE', `/api/components/${fresh}`, { token: env.tokens.admin });
      expect(named.status).to.equal(409);
      expect(named.body.detail).to.equal(`component ${fresh} is named by 1 case; it cannot be deleted`);
      await expectWrites(before, 0);
    });
  });
});
