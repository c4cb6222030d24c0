/**
 * The generated demo city, loaded through the ordinary import path, checked by PostGIS: valid geometries, grids
 * tile their community, communities tile their street, streets tile the district; export → import round trip.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { loadDemoCity } from '../../server/demo/load.js';
import { exportGeoJson } from '../../server/importexport/export.js';
import { importRegions, type ImportSummary } from '../../server/importexport/import.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';

describe(`demo city in PostGIS (${DRIVER})`, function () {
  this.timeout(300_000);
  let database: Database;
  let summary: ImportSummary;

  before(async () => {
    database = await openTestDatabase();
    summary = await loadDemoCity(database, { dispatch: false });
  });
  after(async () => database?.close());

  const one = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(database.db)).rows[0];

  it('has 1 district, 3–5 streets, 20–40 communities and 2,000–3,000 unit grids, about 25 km²', async () => {
    expect(summary.counts.district.inserted).to.equal(1);
    expect(summary.counts.street.inserted).to.be.within(3, 5);
    expect(summary.counts.community.inserted).to.be.within(20, 40);
    expect(summary.counts.grid.inserted).to.be.within(2000, 3000);
    const d = await one(sql<{ km2: number }>`select area_m2 / 1e6 as km2 from region where level = 'district'`);
    expect(d.km2).to.be.within(20, 30);
  });

  it('every geometry is valid and every grid has a holed or multi-part sibling somewhere', async () => {
    const r = await one(sql<{ invalid: number; multi: number; holed: number }>`select
      (select count(*)::int from (select geom from region union all select geom from unit_grid) g where not ST_IsValid(geom)) as invalid,
      (select count(*)::int from unit_grid where ST_NumGeometries(geom) > 1) as multi,
      (select count(*)::int from unit_grid where exists (select 1 from ST_Dump(geom) d where ST_NumInteriorRings(d.geom) > 0)) as holed`);
    expect(r.invalid).to.equal(0);
    expect(r.multi).to.be.greaterThan(0);
    expect(r.holed).to.be.greaterThan(0);
  });

  it('grids cover their community with no gaps or overlaps (areas agree to 0.01 %, no interior overlaps)', async () => {
    const r = await one(sql<{ worst: number; overlaps: number }>`
      with s as (select community_code, sum(area_m2) as grids from unit_grid group by community_code)
      select max(abs(s.grids - c.area_m2) / c.area_m2) as worst,
        (select count(*)::int from unit_grid a join unit_grid b
           on a.community_code = b.community_code and a.code < b.code and a.geom && b.geom
          and ST_Relate(a.geom, b.geom, '2********')) as overlaps
      from s join region c on c.code = s.community_code`);
    expect(r.overlaps).to.equal(0);
    expect(r.worst).to.be.below(1e-4);
  });

  it('communities tile their street and streets tile the district', async () => {
    const r = await one(sql<{ worst: number; outside: number }>`
      with kids as (select parent_code, sum(area_m2) as a from region where parent_code is not null group by parent_code)
      select max(abs(k.a - p.area_m2) / p.area_m2) as worst,
        (select count(*)::int from unit_grid g join region c on c.code = g.community_code
          where ST_Area(ST_Difference(g.geom, c.geom)::geography) > 0.01) as outside
      from kids k join region p on p.code = k.parent_code`);
    expect(r.worst).to.be.below(1e-4);
    expect(r.outside).to.equal(0);
  });

  it('serials run west→east then north→south within a community', async () => {
    const rows = (
      await sql<{ code: string; x: number; y: number }>`
      select code, ST_X(ST_Centroid(geom)) as x, ST_Y(ST_Centroid(geom)) as y from unit_grid
      where community_code = (select min(community_code) from unit_grid) order by code`.execute(database.db)
    ).rows;
    expect(rows[0].code.endsWith('001')).to.equal(true);
    // The first grid is in the northern part of the community, the last in the southern part.
    const ys = rows.map((r) => r.y);
    expect(rows[0].y).to.be.greaterThan(ys.reduce((a, b) => a + b) / ys.length);
    expect(rows[rows.length - 1].y).to.be.lessThan(ys.reduce((a, b) => a + b) / ys.length);
  });

  it('export → import into an empty database gives identical codes, names and areas', async () => {
    let text = '';
    for await (const chunk of exportGeoJson(database.db, 'all')) text += chunk;
    const empty = await openTestDatabase();
    try {
      await importRegions(empty, JSON.parse(text), { actor: { id: null, name: 'round-trip' } });
      const snap = async (db: Database) =>
        (
          await sql<{ code: string; name: string; area_m2: number }>`
        select code, name, area_m2 from region union all select code, name, area_m2 from unit_grid order by code`.execute(
            db.db,
          )
        ).rows;
      const [a, b] = [await snap(database), await snap(empty)];
      expect(b.length).to.equal(a.length);
      expect(b).to.deep.equal(a);
    } finally {
      await empty.close();
    }
  });
});
