/**
 * The demo's responsibility library: a supervision centre (属地兜底 everywhere), one street office per street (兜底 of
 * its street), the professional departments, rules by major class, by exact class, by street (regions), by a park
 * polygon and one time-limited rule that wins on priority; area classes; collectors (监督员) and collector areas
 * (contiguous runs of communities per street, together covering every live grid exactly once); the component census
 * (server/demo/census.ts) with owners and maintainers by class; then the address gazetteer (server/demo/gazetteer.ts).
 */
import { sql, type Transaction } from 'kysely';
import { write } from '../../db/write.js';
import type { Database } from '../../db/open.js';
import type { DB } from '../../db/schema.js';
import type { RoadFeature } from '../city/params.js';
import { attributeCensus, planCensus } from '../census.js';
import { insertCensus } from '../census-store.js';
import { loadDemoGazetteer } from '../gazetteer-store.js';
import { between, pick, stream } from '../prng.js';
import { M_PER_DEG_LAT, mPerDegLon, readCity, streetByRef, type City, type Grid } from './city.js';
import { DISPATCH_PARAMS, type DispatchParams, type HotspotParam } from './params.js';

export interface Library {
  departments: Map<string, { code: string; name: string; kind: string }>;
  /** street code → its street office's department code */
  streetOffice: Map<string, string>;
  /** grid code → collector area index */
  areaOfGrid: Map<string, number>;
  collectors: { id: number; code: string; name: string }[];
  /** area index → collector indexes */
  areaCollectors: number[][];
  components: { code: string; category: string; lon: number; lat: number }[];
  hotspots: { p: HotspotParam; x: number; y: number }[];
  /** The grids of the demo park (the park rule's polygon is their union). */
  parkCodes: string[];
  counts: {
    departments: number;
    rules: number;
    zones: number;
    collectors: number;
    areas: number;
    components: number;
    /** The demo gazetteer (server/demo/gazetteer.ts): roads, doorplates and landmarks. */
    addresses: { roads: number; doorplates: number; landmarks: number };
  };
}

async function buildLibrary(
  trx: Transaction<DB>,
  city: City,
  P: DispatchParams,
  seed: number,
  areasWanted: number,
  roads: RoadFeature[] | undefined,
): Promise<Library> {
  const rng = stream(seed, 'library');
  const departments = new Map<string, { code: string; name: string; kind: string }>();
  const streetOffice = new Map<string, string>();

  // Departments (parents first: the parameter file lists them in that order).
  for (const d of P.departments) {
    const rows = d.perStreet
      ? city.streets.map((s, i) => ({
          ...d,
          code: `${d.code}${String(i + 1).padStart(2, '0')}`,
          name: d.name.replace('{street}', s.name),
          phone: (d.phone ?? '').replace('{n}', String(i + 1)),
          fallbackFor: s.code,
          street: s.code,
          region: s.code,
        }))
      : [
          {
            ...d,
            name: d.name.replace('{street}', d.street === undefined ? '' : streetByRef(city, d.street).name),
            phone: d.phone ?? '',
            fallbackFor: d.fallback === 'everywhere' ? '' : null,
            street: undefined as string | undefined,
            // A street squad belongs to its street, so that the street's editors manage it; city bureaus to the city.
            region: d.street === undefined ? '' : streetByRef(city, d.street).code,
          },
        ];
    for (const r of rows) {
      await sql`insert into department (code, name, parent_code, kind, contact, phone, fallback_for, region_code)
        values (${r.code}, ${r.name}, ${r.parent ?? null}, ${r.kind}, ${r.contact ?? ''}, ${r.phone}, ${r.fallbackFor}, ${r.region})`.execute(
        trx,
      );
      departments.set(r.code, { code: r.code, name: r.name, kind: r.kind });
      if (r.street) streetOffice.set(r.street, r.code);
    }
  }

  // The park: the grids around a grid of the chosen street, dissolved into one polygon.
  const parkStreet = streetByRef(city, P.park.street);
  const parkGrids = city.grids.filter((g) => g.street === parkStreet.code);
  const parkCentre = parkGrids[Math.floor(parkGrids.length * between(rng, 0.35, 0.65))];
  const near = (g: Grid, c: { px: number; py: number }, r: number) =>
    Math.hypot((g.px - c.px) * mPerDegLon(c.py), (g.py - c.py) * M_PER_DEG_LAT) <= r;
  const parkCodes = city.grids.filter((g) => near(g, parkCentre, P.park.radius_m)).map((g) => g.code);
  const parkGeom = sql`(select ST_Multi(ST_Union(geom)) from unit_grid where termination_date is null and code = any(${parkCodes}::text[]))`;

  // Area-class zones.
  for (const z of P.areaClasses) {
    const s = streetByRef(city, z.street);
    await sql`insert into area_class_zone (name, class, area_kind, area_codes)
      values (${z.name.replace('{street}', s.name)}, ${z.class}, 'regions', ${[s.code]}::text[])`.execute(trx);
  }

  // Rules, one per pattern.
  let rules = 0;
  const categoryName = new Map(
    (
      await sql<{ key: string; name: string }>`
    select kind || ':' || code as key, name from category`.execute(trx)
    ).rows.map((r) => [r.key, r.name]),
  );
  for (const r of P.rules) {
    for (const pattern of r.patterns) {
      const cat =
        categoryName.get(`${r.kind ?? 'matter'}:${pattern}`) ?? categoryName.get(`component:${pattern}`) ?? pattern;
      let name = r.name.replace('{category}', cat).replace('{park}', P.park.name);
      let area = sql`'anywhere', '{}'::text[], null::geometry, null::float8`;
      if (r.area === 'park') {
        area = sql`'polygon', '{}'::text[], ${parkGeom}, (select ST_Area(${parkGeom}::geography))`;
      } else if (r.area) {
        const s = streetByRef(city, r.area.street);
        name = name.replace('{street}', s.name);
        area = sql`'regions', ${[s.code]}::text[], null::geometry, ${s.area_m2}::float8`;
      }
      await sql`insert into resp_rule (name, category_kind, category_pattern, area_kind, area_codes, area_geom, area_m2,
          department_code, priority, valid_from, valid_to)
        values (${name}, ${r.kind}, ${pattern}, ${area}, ${r.department}, ${r.priority ?? 0},
          ${r.valid_from ?? null}::date, ${r.valid_to ?? null}::date)`.execute(trx);
      rules++;
    }
  }

  // Collector areas: per street (in code order) a share of the areas proportional to its grids; within a street,
  // consecutive communities (code order) grouped to balance the grid counts. Every live grid lies in exactly one.
  const gridsByCommunity = new Map<string, Grid[]>();
  for (const g of city.grids) {
    const list = gridsByCommunity.get(g.community);
    if (list) list.push(g);
    else gridsByCommunity.set(g.community, [g]);
  }
  const streetGrids = city.streets.map((s) => city.grids.filter((g) => g.street === s.code).length);
  const nAreas = Math.max(city.streets.length, Math.min(areasWanted, city.communities.length));
  const quota = streetGrids.map((n) => (n / city.grids.length) * nAreas);
  const perStreet = quota.map((q) => Math.max(1, Math.floor(q)));
  while (perStreet.reduce((a, b) => a + b, 0) < nAreas) {
    let best = 0;
    for (let i = 1; i < quota.length; i++) if (quota[i] - perStreet[i] > quota[best] - perStreet[best]) best = i;
    perStreet[best]++;
  }
  const areaGrids: { name: string; codes: string[] }[] = [];
  city.streets.forEach((s, si) => {
    const comms = city.communities.filter((c) => c.street === s.code && gridsByCommunity.has(c.code));
    const k = Math.min(perStreet[si], comms.length);
    const total = comms.reduce((sum, c) => sum + gridsByCommunity.get(c.code)!.length, 0);
    let group: string[] = [],
      done = 0,
      made = 0;
    comms.forEach((c, ci) => {
      group.push(...gridsByCommunity.get(c.code)!.map((g) => g.code));
      done += gridsByCommunity.get(c.code)!.length;
      const left = comms.length - ci - 1;
      const target = (total * (made + 1)) / k;
      if (made < k - 1 && (done >= target - gridsByCommunity.get(c.code)!.length / 2 || left === k - made - 1)) {
        areaGrids.push({ name: `${s.name}第${made + 1}监督责任区`, codes: group });
        group = [];
        made++;
      }
    });
    if (group.length) areaGrids.push({ name: `${s.name}第${made + 1}监督责任区`, codes: group });
  });
  const areaOfGrid = new Map<string, number>();
  areaGrids.forEach((a, i) => a.codes.forEach((c) => areaOfGrid.set(c, i)));

  const collectors: Library['collectors'] = [];
  for (let i = 0; i < areaGrids.length; i++) {
    const name = P.collectors.names[i % P.collectors.names.length];
    const code = `JC${String(i + 1).padStart(2, '0')}`;
    const phone = `139${String(20260000 + i * 7919).padStart(8, '0')}`;
    const r = await sql<{
      id: number;
    }>`insert into collector (code, name, phone) values (${code}, ${name}, ${phone}) returning id`.execute(trx);
    collectors.push({ id: r.rows[0].id, code, name });
  }
  const areaCollectors = areaGrids.map((_, i) =>
    P.collectors.sharedAreas.includes(i) && areaGrids.length > 1 ? [i, (i + 1) % areaGrids.length] : [i],
  );
  for (let i = 0; i < areaGrids.length; i++) {
    await sql`insert into collector_area (name, grid_codes, collector_ids)
      values (${areaGrids[i].name}, ${areaGrids[i].codes}::text[], ${areaCollectors[i].map((c) => collectors[c].id)}::int[])`.execute(
      trx,
    );
  }

  // Components: the census (server/demo/census.ts) along the city's roads, owners and maintainers by class.
  const components: Library['components'] = [];
  if (roads) {
    const planned = planCensus({ city, roads, parkCodes, seed });
    const rows = attributeCensus(
      planned,
      city.district.code,
      {
        names: new Map([...departments.values()].map((d) => [d.code, d.name])),
        streetOffice,
        owner: P.components.owner,
        maintainer: P.components.maintainer,
      },
      seed,
    );
    await insertCensus(trx, rows);
    for (const r of rows) components.push({ code: r.code, category: r.cls, lon: r.lon, lat: r.lat });
  }

  // Hotspots: a grid of the chosen street, at least 500 m from the other hotspots and the park.
  const hotspots: Library['hotspots'] = [];
  for (const h of P.hotspots) {
    const s = streetByRef(city, h.street);
    const candidates = city.grids.filter((g) => g.street === s.code);
    let chosen = candidates[0];
    for (let k = 0; k < 200; k++) {
      const g = pick(rng, candidates);
      chosen = g;
      const far = (x: number, y: number) => Math.hypot((g.px - x) * mPerDegLon(y), (g.py - y) * M_PER_DEG_LAT) > 500;
      if (hotspots.every((o) => far(o.x, o.y)) && far(parkCentre.px, parkCentre.py)) break;
    }
    hotspots.push({ p: h, x: chosen.px, y: chosen.py });
  }

  return {
    departments,
    streetOffice,
    areaOfGrid,
    collectors,
    areaCollectors,
    components,
    hotspots,
    parkCodes,
    counts: {
      departments: departments.size,
      rules,
      zones: P.areaClasses.length,
      collectors: collectors.length,
      areas: areaGrids.length,
      components: components.length,
      addresses: { roads: 0, doorplates: 0, landmarks: 0 },
    },
  };
}

export type DemoLibraryCounts = Library['counts'];

/** Writes the responsibility library through the write path: one transaction, its audit row, an assignment_version bump. */
export async function setUpLibrary(
  database: Database,
  seed: number,
  areas: number,
  roads?: RoadFeature[],
): Promise<{ city: City; lib: Library }> {
  const db = database.db;
  const city = await readCity(db);
  const censusRoads = roads ?? (await defaultCityRoads(city));
  const lib = await write(db, { actor: { id: null, name: 'demo-city' }, assignment: true }, async (trx) => {
    const l = await buildLibrary(trx, city, DISPATCH_PARAMS, seed, areas, censusRoads);
    return {
      result: l,
      action: 'create',
      entity: 'demo_dispatch',
      key: city.district.code,
      detail: { seed, ...l.counts },
    };
  });
  if (censusRoads) {
    // The gazetteer, through the gazetteer import (its own transaction), before any case is replayed.
    const { plan } = await loadDemoGazetteer(database, {
      city,
      roads: censusRoads,
      park: { name: DISPATCH_PARAMS.park.name, codes: lib.parkCodes },
      hotspots: lib.hotspots.map((h) => ({ name: h.p.name, lon: h.x, lat: h.y })),
      seed,
    });
    lib.counts.addresses = {
      roads: plan.roads.length,
      doorplates: plan.doorplates.length,
      landmarks: plan.landmarks.length,
    };
  }
  return { city, lib };
}

/**
 * The roads of the shipped demo city when the stored grids are its grids (same district, same grids), for a census
 * loaded without the generator's output at hand; otherwise none (and no census: it needs the roads).
 */
async function defaultCityRoads(city: City): Promise<RoadFeature[] | undefined> {
  const { generateCity } = await import('../city/generate.js');
  const { DEFAULT_TARGET_GRIDS, DEMO_DISTRICT_CODE } = await import('../city/params.js');
  if (city.district.code !== DEMO_DISTRICT_CODE || Math.abs(city.grids.length - DEFAULT_TARGET_GRIDS) > 500) return;
  const generated = generateCity();
  const codes = generated.features.filter((f) => f.properties.level === 'grid').map((f) => f.properties.code);
  const same = codes.length === city.grids.length && codes.every((c, i) => c === city.grids[i].code);
  return same ? generated.roads : undefined;
}

/**
 * Only the responsibility library (no cases), e.g. for a benchmark on a larger generated city; `collectorAreas`
 * scales the number of collector areas (default from the parameters file: 11). The census needs the city's `roads`
 * (generateCity(…).roads); without them it is loaded only on the shipped demo city (whose roads are regenerated).
 */
export async function loadDemoLibrary(
  database: Database,
  opts: { seed?: number; collectorAreas?: number; roads?: RoadFeature[] } = {},
): Promise<DemoLibraryCounts> {
  const { lib } = await setUpLibrary(
    database,
    opts.seed ?? DISPATCH_PARAMS.seed,
    opts.collectorAreas ?? DISPATCH_PARAMS.collectors.areas,
    opts.roads,
  );
  return lib.counts;
}
