/**
 * The demo city's component census (server/demo/census.ts) on the shipped demo city: the generated city loaded
 * through the import path, the responsibility library with the census (no cases), then checked by PostGIS against
 * the generator's roads: exact counts per class for the seed, valid codes, covers on the carriageway, lamp posts just
 * behind the curb, block items clear of the roads, grids derived by the boundary rule, no two of a class within 0.5 m.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { parseComponentCode } from '../../server/components/codes.js';
import { componentCatalog } from '../../server/components/catalog.js';
import type { Database } from '../../server/db/index.js';
import { generateCity } from '../../server/demo/city/generate.js';
import { CENSUS_PARAMS } from '../../server/demo/census-params.js';
import { attributeCensus, planCensus } from '../../server/demo/census.js';
import { DISPATCH_PARAMS, loadDemoLibrary } from '../../server/demo/dispatch.js';
import { readCity } from '../../server/demo/dispatch/city.js';
import { loadDemoCity } from '../../server/demo/load.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';

/** Components per class for the shipped seeds (city 20261124, dispatch 20261124): 19,856 in all. */
const EXPECTED: Record<string, number> = {
  '01001': 669, // 供水井盖
  '01002': 993, // 污水井盖
  '01003': 1103, // 雨水井盖
  '01004': 1590, // 雨水箅子
  '01005': 498, // 电力井盖
  '01006': 791, // 路灯井盖
  '01007': 524, // 通信井盖
  '01011': 347, // 燃气井盖
  '01013': 900, // 消防设施
  '01027': 272, // 通信交接箱
  '01037': 4195, // 路灯
  '01040': 13, // 报刊亭
  '01046': 84, // 户外健身设施
  '01048': 202, // 变压器(箱)
  '01054': 60, // 充电桩
  '01060': 122, // 路灯配电箱
  '01075': 60, // 快递柜
  '02004': 255, // 公交站设施
  '02010': 826, // 交通标志牌及标线
  '02012': 413, // 路名牌
  '02014': 315, // 交通信号灯
  '02025': 276, // 非机动车停放点
  '03001': 32, // 公共厕所
  '03004': 60, // 垃圾间(楼)
  '03005': 1946, // 垃圾箱
  '03008': 60, // 宣传栏
  '03014': 16, // 环卫工具间(箱)
  '04001': 14, // 古树名木
  '04002': 3124, // 行道树
  '04007': 96, // 街头座椅
};

const COVERS = Object.keys(CENSUS_PARAMS.covers.weights);
const { arterial: ART, local: LOC } = CENSUS_PARAMS.crossSection;

describe(`demo component census (${DRIVER})`, function () {
  this.timeout(600_000);
  let database: Database;
  const city = generateCity();

  before(async () => {
    database = await openTestDatabase();
    await loadDemoCity(database, { dispatch: false });
    await loadDemoLibrary(database, { roads: city.roads });
    // The generator's roads, to measure against (a plain table: the pg pool may use several connections).
    await sql`create table census_test_road (name text, kind text, geom geometry(LineString, 4326))`.execute(
      database.db,
    );
    for (const r of city.roads) {
      await sql`insert into census_test_road values (${r.properties.name}, ${r.properties.kind},
        ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(r.geometry)}), 4326))`.execute(database.db);
    }
  });
  after(async () => database?.close());

  const rows = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(database.db)).rows;
  const one = async <T>(q: ReturnType<typeof sql<T>>) => (await rows(q))[0];
  /**
   * Per component: the distance (m) to the centre line of its road (the road it was placed along, extras.road; else
   * the nearest road), minus that road's carriageway half-width.
   */
  const beyondCurb = (classes: string[]) =>
    rows(sql<{ code: string; cls: string; kind: string; d: number; beyond: number }>`
      select c.code, c.category_code as cls, r.kind, r.d,
             r.d - case r.kind when 'arterial' then ${ART.carriageway}::float8 else ${LOC.carriageway}::float8 end as beyond
      from component c cross join lateral (
        select kind, ST_Distance(c.geom::geography, geom::geography) as d from census_test_road
        where c.extras->>'road' is null or name = c.extras->>'road'
        order by geom <-> c.geom, name limit 1) r
      where c.category_code = any(${classes}::text[])`);

  it('places the exact census of the seed: ~20,000 components of 30 classes', async () => {
    const counts = Object.fromEntries(
      (
        await rows(sql<{ cls: string; n: number }>`
        select category_code as cls, count(*)::int as n from component group by 1 order by 1`)
      ).map((r) => [r.cls, r.n]),
    );
    expect(counts).to.deep.equal(EXPECTED);
    expect(Object.keys(counts)).to.have.length(30);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(total).to.be.within(19_000, 21_000);
  });

  it('gives every component a valid 17-digit code: district + its class + serials 000001… per class', async () => {
    const all = await rows(sql<{ code: string; cls: string }>`select code, category_code as cls from component`);
    const catalog = componentCatalog();
    const serials = new Map<string, number[]>();
    for (const c of all) {
      const p = parseComponentCode(c.code, catalog);
      expect(p.problem, c.code).to.equal(undefined);
      expect(p.ok!.scheme).to.equal('gb47678');
      expect(p.ok!.district).to.equal('990101');
      expect(p.ok!.classCode).to.equal(c.cls);
      serials.set(c.cls, [...(serials.get(c.cls) ?? []), Number(p.ok!.serial)]);
    }
    for (const [cls, list] of serials) {
      expect(
        list.sort((a, b) => a - b),
        cls,
      ).to.deep.equal(list.map((_, i) => i + 1));
    }
  });

  it('puts manhole covers and rain grates on the carriageway, lamp posts just behind the curb', async () => {
    const covers = await beyondCurb([...COVERS, '01004']);
    expect(covers.length).to.be.above(5000);
    expect(covers.filter((c) => c.beyond > 0.01)).to.deep.equal([]);
    // Covers keep off the centre line (arterial lines at 3–7 m, local ones at 1–3.5 m).
    expect(covers.filter((c) => c.d < 0.99)).to.deep.equal([]);
    // Lamp posts: 1.0 m behind an arterial's curb, 0.8 m behind a local road's.
    const lamps = await beyondCurb(['01037']);
    expect(lamps.length).to.be.above(4000);
    const off = lamps.filter((l) => Math.abs(l.beyond - (l.kind === 'arterial' ? 1.0 : 0.8)) > 0.02);
    expect(off).to.deep.equal([]);
    // Block items (toilets, fitness, parcel lockers…) are at least 4 m behind every sidewalk.
    const inside = await beyondCurb(Object.keys({ ...CENSUS_PARAMS.blocks.perCommunity, '04007': 1 }));
    const sidewalk = (kind: string) => (kind === 'arterial' ? ART.sidewalk : LOC.sidewalk);
    expect(inside.length).to.be.above(200);
    expect(inside.filter((c) => c.beyond - sidewalk(c.kind) < CENSUS_PARAMS.blocks.margin - 0.01)).to.deep.equal([]);
  });

  it('derives grid, community, street and district by the boundary rule: all within the grids', async () => {
    const r = await one(sql<{ n: number; placed: number; wrong: number; regions: number }>`
      select count(*)::int as n, count(grid_code)::int as placed,
             count(*) filter (where grid_code is distinct from (
               select min(g.code) from unit_grid g where g.termination_date is null and ST_Covers(g.geom, c.geom)))::int as wrong,
             count(*) filter (where not exists (select 1 from unit_grid g where g.code = c.grid_code
               and g.community_code = c.community_code and g.street_code = c.street_code
               and g.district_code = c.district_code))::int as regions
      from component c`);
    expect(r).to.deep.equal({ n: r.n, placed: r.n, wrong: 0, regions: 0 });
  });

  it('never puts two components of a class within 0.5 m of each other', async () => {
    const r = await one(sql<{ n: number }>`
      select count(*)::int as n from component a join component b
        on a.category_code = b.category_code and a.code < b.code and b.geom && ST_Expand(a.geom, 0.0001)
       and ST_DWithin(a.geom::geography, b.geom::geography, 0.5)`);
    expect(r.n).to.equal(0);
  });

  it('fills the census attributes: owners and maintainers by class, status, dates, source and accuracy', async () => {
    const wrong = await one(sql<{ owner: number; maint: number; names: number; street: number }>`
      with p as (select key as cls, value as dept from jsonb_each_text(${JSON.stringify(DISPATCH_PARAMS.components.owner)}::jsonb)),
           m as (select key as cls, value as dept from jsonb_each_text(${JSON.stringify(DISPATCH_PARAMS.components.maintainer)}::jsonb))
      select
        count(*) filter (where c.owner_code is distinct from case p.dept when 'street'
          then (select d.code from department d where d.fallback_for = c.street_code) else p.dept end)::int as owner,
        count(*) filter (where c.maintainer_code is distinct from m.dept)::int as maint,
        count(*) filter (where c.owner_name <> (select name from department d where d.code = c.owner_code)
          or c.maintainer_name <> coalesce((select name from department d where d.code = c.maintainer_code), ''))::int as names,
        count(*) filter (where p.dept = 'street' and c.owner_code not like 'JDB%')::int as street
      from component c left join p on p.cls = c.category_code left join m on m.cls = c.category_code`);
    expect(wrong).to.deep.equal({ owner: 0, maint: 0, names: 0, street: 0 });
    const s = await one(sql<{
      n: number;
      ok: number;
      damaged: number;
      lost: number;
      lostElsewhere: number;
      dates: number;
      measured: number;
      accuracy: number;
      titled: number;
    }>`
      select count(*)::int as n, count(*) filter (where status = '完好')::int as ok,
             count(*) filter (where status = '破损')::int as damaged, count(*) filter (where status = '丢失')::int as lost,
             count(*) filter (where status = '丢失' and not category_code = any(${CENSUS_PARAMS.status.lostClasses}::text[]))::int as "lostElsewhere",
             count(*) filter (where not (initial_date <= change_date and change_date <= ${CENSUS_PARAMS.censusDate}::date
               and initial_date >= make_date(${CENSUS_PARAMS.installedFrom}::int, 1, 1)))::int as dates,
             count(*) filter (where data_source = '实测')::int as measured,
             count(*) filter (where (accuracy = 'A') <> (data_source = '实测'))::int as accuracy,
             count(*) filter (where title_name = '')::int as titled
      from component`);
    expect(s.ok / s.n).to.be.within(0.95, 0.99);
    expect(s.damaged).to.be.above(0);
    expect(s.lost).to.be.above(0);
    expect(s.measured / s.n).to.be.within(0.9, 0.99);
    expect({ lostElsewhere: s.lostElsewhere, dates: s.dates, accuracy: s.accuracy, titled: s.titled }).to.deep.equal({
      lostElsewhere: 0,
      dates: 0,
      accuracy: 0,
      titled: 0,
    });
  });

  it('is deterministic: planning again from the stored city gives the stored census', async () => {
    const stored = await rows(sql<{ code: string; lon: number; lat: number; status: string; initial_date: string }>`
      select code, ST_X(geom) as lon, ST_Y(geom) as lat, status, to_char(initial_date, 'YYYY-MM-DD') as initial_date
      from component order by code`);
    const park = await one(sql<{ codes: string[] }>`
      select array_agg(g.code order by g.code) as codes from unit_grid g, resp_rule r
      where r.area_kind = 'polygon' and g.termination_date is null and ST_Covers(r.area_geom, ST_PointOnSurface(g.geom))`);
    const stored0 = await readCity(database.db);
    const depts = await rows(sql<{ code: string; name: string; fallback_for: string | null }>`
      select code, name, fallback_for from department`);
    const again = attributeCensus(
      planCensus({ city: stored0, roads: city.roads, parkCodes: park.codes, seed: DISPATCH_PARAMS.seed }),
      '990101',
      {
        names: new Map(depts.map((d) => [d.code, d.name])),
        streetOffice: new Map(depts.filter((d) => d.fallback_for).map((d) => [d.fallback_for!, d.code])),
        owner: DISPATCH_PARAMS.components.owner,
        maintainer: DISPATCH_PARAMS.components.maintainer,
      },
      DISPATCH_PARAMS.seed,
    );
    const mine = again
      .map((c) => ({ code: c.code, lon: c.lon, lat: c.lat, status: c.status, initial_date: c.initialDate }))
      .sort((a, b) => (a.code < b.code ? -1 : 1));
    expect(mine).to.deep.equal(stored);
  });
});
