/**
 * The demo city's address gazetteer (server/demo/gazetteer.ts) on the shipped demo city: loaded with the
 * responsibility library (as the demo load does, before any case) through the gazetteer import; exact counts for the
 * seed, odd numbers on the left and even on the right of every road (the side publish derives), numbers rising along
 * the road with gaps, doorplates just behind the sidewalk, every doorplate's road stored, regions derived, ~100
 * landmarks with 1–3 aliases, the park as its polygon, and the reverse geocode of a demo doorplate.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { reverseGeocode } from '../../server/addresses/reverse.js';
import type { Database } from '../../server/db/index.js';
import { generateCity } from '../../server/demo/city/generate.js';
import { CENSUS_PARAMS } from '../../server/demo/census-params.js';
import { DISPATCH_PARAMS, loadDemoLibrary, type DemoLibraryCounts } from '../../server/demo/dispatch.js';
import { readCity } from '../../server/demo/dispatch/city.js';
import { GAZETTEER_PARAMS } from '../../server/demo/gazetteer-params.js';
import { planGazetteer } from '../../server/demo/gazetteer.js';
import { loadDemoCity } from '../../server/demo/load.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';

const { arterial: ART, local: LOC } = CENSUS_PARAMS.crossSection;
const [SET_MIN, SET_MAX] = GAZETTEER_PARAMS.doorplates.setback;

describe(`demo address gazetteer (${DRIVER})`, function () {
  this.timeout(600_000);
  let database: Database;
  let counts: DemoLibraryCounts;
  const city = generateCity();

  before(async () => {
    database = await openTestDatabase();
    await loadDemoCity(database, { dispatch: false });
    counts = await loadDemoLibrary(database, { roads: city.roads });
  });
  after(async () => database?.close());

  const rows = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(database.db)).rows;
  const one = async <T>(q: ReturnType<typeof sql<T>>) => (await rows(q))[0];

  it('exact counts for the seed: 94 roads with 33 aliases and two former names, 7,542 doorplates, 100 landmarks', async () => {
    expect(counts.addresses).to.deep.equal({ roads: 94, doorplates: 7542, landmarks: 100 });
    expect(await one(sql`select count(*)::int as roads, count(distinct name)::int as names from road`)).to.deep.equal({
      roads: 94,
      names: 94,
    });
    // The generator's names: 铜陵大道 leaves the district and comes back, so 95 runs make 94 roads.
    expect(city.roads).to.have.length(95);
    expect((await rows(sql<{ name: string }>`select name from road order by id`)).map((r) => r.name)).to.deep.equal([
      ...new Set(city.roads.map((r) => r.properties.name)),
    ]);
    expect(await rows(sql`select kind, count(*)::int as n from road_name group by kind order by kind`)).to.deep.equal([
      { kind: 'alias', n: 33 },
      { kind: 'former', n: 2 },
      { kind: 'name', n: 94 },
    ]);
    expect(
      await rows(sql`select r.name as road, n.name, to_char(n.valid_to, 'YYYY-MM-DD') as until
        from road_name n join road r on r.id = n.road_id where n.kind = 'former' order by n.valid_to`),
    ).to.deep.equal([
      { road: '新岭巷', name: '红卫街', until: '1984-12-31' },
      { road: '吉祥大道', name: '东风路', until: '2003-09-30' },
    ]);
    // Aliases swap the suffix: …大道 → …路, …路 → …大街, …街 → …路, …巷 → …里.
    const aliases = await rows(sql<{ road: string; alias: string }>`select r.name as road, n.name as alias
      from road_name n join road r on r.id = n.road_id where n.kind = 'alias'`);
    for (const a of aliases) {
      const [, stem, suffix] = /^(.+?)(大道|路|街|巷)$/.exec(a.road)!;
      expect(a.alias, a.road).to.equal(stem + GAZETTEER_PARAMS.roads.aliasSuffix[suffix]);
    }
    expect(
      await one(sql`select count(*)::int as n, count(*) filter (where building <> '')::int as buildings,
        count(distinct (road, number)) filter (where building <> '')::int as compounds from doorplate`),
    ).to.deep.equal({ n: 7542, buildings: 1412, compounds: 364 });
    const l = await one(sql<{ n: number }>`select count(*)::int as n from landmark`);
    expect(l.n).to.equal(100);
  });

  it('odd numbers on the left, even on the right, rising along the road, with 615 numbers left out', async () => {
    expect(
      await rows(
        sql`select side, number_int % 2 as parity, count(*)::int as n from doorplate group by 1, 2 order by 1, 2`,
      ),
    ).to.deep.equal([
      { side: -1, parity: 1, n: 3903 },
      { side: 1, parity: 0, n: 3639 },
    ]);
    expect(
      await one(sql`select count(*)::int as bad from (select number_int,
          lag(number_int) over (partition by road, side order by measure) as prev from doorplate where building = '') x
        where number_int <= prev`),
    ).to.deep.equal({ bad: 0 });
    // Per road and side the numbers run 1, 3, 5… (2, 4, 6…) up to the last with some missing: interpolation's gaps.
    expect(
      await one(sql`select sum(missing)::int as missing, count(*) filter (where missing > 0)::int as runs from (
        select (max(number_int) + (case when side = -1 then 1 else 0 end)) / 2 - count(distinct number_int) as missing
        from doorplate group by road, side) x`),
    ).to.deep.equal({ missing: 615, runs: 123 });
    // Each plate of a compound stands behind its doorplate, on the same side.
    expect(
      await one(sql`select count(*)::int as n from doorplate b join doorplate d on d.road = b.road
        and d.number = b.number and d.building = '' where b.building <> '' and (b.side <> d.side
          or ST_Distance(b.geom::geography, d.geom::geography) > 80)`),
    ).to.deep.equal({ n: 0 });
  });

  it('every doorplate on a stored road, just behind the sidewalk, in a grid whose regions it carries', async () => {
    expect(
      await one(sql`select count(*) filter (where d.road_id is null)::int as unlinked,
        count(*) filter (where r.name <> d.road)::int as other, count(*) filter (where d.grid_code is null)::int as nogrid,
        count(*) filter (where u.community_code <> d.community_code or u.street_code <> d.street_code
          or u.district_code <> d.district_code)::int as mismatched
        from doorplate d left join road r on r.id = d.road_id left join unit_grid u on u.code = d.grid_code`),
    ).to.deep.equal({ unlinked: 0, other: 0, nogrid: 0, mismatched: 0 });
    const dist = await rows(sql<{ arterial: boolean; min: number; max: number }>`
      select r.name ~ '(路|大道)$' as arterial, min(ST_Distance(d.geom::geography, r.geom::geography)) as min,
             max(ST_Distance(d.geom::geography, r.geom::geography)) as max
      from doorplate d join road r on r.id = d.road_id where d.building = '' group by 1 order by 1`);
    const back = (w: { carriageway: number; sidewalk: number }) => w.carriageway + w.sidewalk;
    expect(dist.map((d) => d.arterial)).to.deep.equal([false, true]);
    expect(dist[0].min).to.be.within(back(LOC) + SET_MIN - 0.05, back(LOC) + SET_MAX);
    expect(dist[0].max).to.be.within(back(LOC) + SET_MIN, back(LOC) + SET_MAX + 0.05);
    expect(dist[1].min).to.be.within(back(ART) + SET_MIN - 0.05, back(ART) + SET_MAX);
    expect(dist[1].max).to.be.within(back(ART) + SET_MIN, back(ART) + SET_MAX + 0.05);
  });

  it('100 landmarks with 1–3 aliases inside the district: the hotspots where the cases cluster, the park polygon', async () => {
    expect(
      await one(sql`select min(cardinality(aliases)) as amin, max(cardinality(aliases)) as amax,
        count(*) filter (where grid_code is null)::int as outside,
        count(*) filter (where GeometryType(geom) <> 'POINT')::int as polygons from landmark`),
    ).to.deep.equal({ amin: 1, amax: 3, outside: 0, polygons: 6 });
    expect(
      await rows(sql`select kind, count(*)::int as n from landmark group by kind order by n desc, kind collate "C"`),
    ).to.deep.equal([
      { kind: '社区服务', n: 30 },
      { kind: '学校', n: 24 },
      { kind: '医院', n: 7 },
      { kind: '公园', n: 6 },
      { kind: '公安', n: 6 },
      { kind: '市场', n: 5 },
      { kind: '政府机构', n: 5 },
      { kind: '商场', n: 3 },
      { kind: '文化体育', n: 3 },
      { kind: '金融', n: 3 },
      { kind: '住宿', n: 2 },
      { kind: '加油站', n: 2 },
      { kind: '邮政', n: 2 },
      { kind: '交通', n: 1 },
      { kind: '商业街', n: 1 },
    ]);
    const hot = await rows(sql<{ name: string; aliases: string[] }>`select name, aliases from landmark
      where name = any(${DISPATCH_PARAMS.hotspots.map((h) => h.name)}::text[]) order by name`);
    expect(hot.map((h) => h.name).sort()).to.deep.equal(DISPATCH_PARAMS.hotspots.map((h) => h.name).sort());
    expect(hot.find((h) => h.name === '长途客运站')!.aliases).to.deep.equal(['汽车站', '客运站', '长途汽车站']);
    // The park: the park rule's polygon.
    expect(
      await one(sql`select ST_Equals(l.geom, r.area_geom) as same from landmark l, resp_rule r
        where l.name = ${DISPATCH_PARAMS.park.name} and r.area_kind = 'polygon'`),
    ).to.deep.equal({ same: true });
    // Names and aliases are unique across roads and landmarks.
    expect(
      await one(sql`select count(*)::int as n, count(distinct name)::int as distinct from (
        select name from road_name union all select name from landmark
        union all select unnest(aliases) from landmark) x`),
    ).to.deep.equal({ n: 129 + 100 + 112, distinct: 129 + 100 + 112 });
  });

  it('reverse geocoding a demo doorplate gives its sentence; the load is audited as an import', async () => {
    const d = await one(sql<{ lon: number; lat: number }>`select ST_X(geom) as lon, ST_Y(geom) as lat from doorplate
      where road = '枫林路' and number = '1' and building = ''`);
    expect(d).to.deep.equal({ lon: 116.8709827, lat: 31.0138963 });
    const r = await reverseGeocode(database.db, d.lon, d.lat);
    expect(r.address).to.equal('富民街道百合社区枫林路1号');
    expect(r.doorplate).to.deep.equal({
      address: '枫林路1号',
      road: '枫林路',
      number: '1',
      building: '',
      distance_m: 0,
    });
    expect(
      await rows(sql`select action, entity, actor_name, detail->>'file' as file, (detail->>'rows')::int as rows
        from audit_event where entity = 'address'`),
    ).to.deep.equal([
      { action: 'import', entity: 'address', actor_name: 'demo-city', file: 'demo-gazetteer.geojson', rows: 7736 },
    ]);
  });

  it('the plan is a pure function of the city, the roads and the seed', async () => {
    const stored = await readCity(database.db);
    const input = { city: stored, roads: city.roads, hotspots: [], seed: DISPATCH_PARAMS.seed };
    const a = planGazetteer(input);
    expect(planGazetteer(input)).to.deep.equal(a);
    expect(a.roads).to.have.length(94);
    expect(planGazetteer({ ...input, seed: input.seed + 1 }).doorplates).to.not.deep.equal(a.doorplates);
  });
});
