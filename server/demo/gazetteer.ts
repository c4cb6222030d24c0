/**
 * The demo city's address gazetteer (地址库), deterministic from a seed (pure: no database; parameters in
 * data/demo-gazetteer.json):
 *  - roads: the generated roads under their generated names (arterials …路/…大道, local roads …街/…巷; a road that
 *    leaves the district and comes back is one road of two runs), some with an alias (the name with its suffix
 *    swapped: 铜陵大道 → 铜陵路), one or two with a former name and the day it ended;
 *  - doorplates every 20–40 m along both sides of every road, numbered from the road's start: odd numbers on the
 *    left of its direction, even on the right (the side server/addresses/publish.ts derives: -1 left, 1 right),
 *    standing just behind the sidewalk; none near a junction or outside the district; some numbers left out (so
 *    interpolation has gaps to fill); a few compounds with building plates (12号3栋) in rows behind their doorplate;
 *  - ~100 landmarks with aliases: the dispatch hotspots at their positions (the market, the school, the bus
 *    station…), the demo park as its polygon, the small parks inside ring grids as theirs, and schools, hospitals,
 *    markets, offices, police stations, community centres… as points inside blocks, clear of the roads.
 * Names, aliases and former names are unique across roads and landmarks.
 */
import type { MultiPolygon, Polygon } from 'geojson';
import type { RoadFeature } from './city/params.js';
import { CENSUS_PARAMS } from './census-params.js';
import { planRoads, Plane, SegmentIndex, stationAt, type Road } from './census-geometry.js';
import { ringParks } from './census.js';
import type { City, Grid } from './dispatch/city.js';
import {
  GAZETTEER_PARAMS,
  type GazetteerParams,
  type GazetteerPlan,
  type LandmarkItem,
  type PlannedDoorplate,
  type PlannedLandmark,
  type PlannedRoad,
} from './gazetteer-params.js';
import { shuffle } from './city/names.js';
import { between, pick, stream } from './prng.js';

export interface GazetteerInput {
  city: City;
  roads: RoadFeature[];
  /** The demo park (the park rule's polygon) and its name. */
  park?: { name: string; geometry: Polygon | MultiPolygon };
  /** The dispatch hotspots: name and position. */
  hotspots: { name: string; lon: number; lat: number }[];
  seed: number;
}

export function planGazetteer(input: GazetteerInput, P: GazetteerParams = GAZETTEER_PARAMS): GazetteerPlan {
  const { city } = input;
  const rng = stream(input.seed, 'gazetteer');
  const plane = new Plane(city.district.x, city.district.y);
  const section = CENSUS_PARAMS.crossSection;
  const runs = planRoads(input.roads, plane, section);
  const segments = new SegmentIndex(runs, section);
  const taken = new Set<string>();

  // Roads: the runs grouped by name (first appearance order).
  const groups = new Map<string, Road[]>();
  for (const r of runs) groups.set(r.name, [...(groups.get(r.name) ?? []), r]);
  const roads: (PlannedRoad & { runs: Road[] })[] = [...groups].map(([name, rs]) => ({
    name,
    kind: rs[0].kind,
    aliases: [],
    former: [],
    geometry: { type: 'MultiLineString', coordinates: rs.map((r) => input.roads[r.index].geometry.coordinates) },
    runs: rs,
  }));
  for (const r of roads) taken.add(r.name);
  const suffixes = Object.keys(P.roads.aliasSuffix).sort((a, b) => b.length - a.length);
  for (const r of roads) {
    if (rng() >= P.roads.aliasShare) continue;
    const suffix = suffixes.find((s) => r.name.endsWith(s));
    const alias = suffix && r.name.slice(0, -suffix.length) + P.roads.aliasSuffix[suffix];
    if (alias && !taken.has(alias)) {
      r.aliases.push(alias);
      taken.add(alias);
    }
  }
  for (const f of P.roads.former) {
    const candidates = roads.filter((r) => r.kind === f.roadKind && !r.former.length);
    if (!candidates.length || taken.has(f.name)) continue;
    pick(rng, candidates).former.push({ name: f.name, until: f.until });
    taken.add(f.name);
  }

  // Doorplates: per road and side, numbering continues over the road's runs.
  const D = P.doorplates;
  const doorplates: PlannedDoorplate[] = [];
  const inDistrict = (x: number, y: number) => {
    const [lon, lat] = plane.toLonLat(x, y);
    return city.index.find(lon, lat) ? [lon, lat] : undefined;
  };
  for (const road of roads) {
    const w = section[road.kind];
    for (const side of [-1, 1] as const) {
      const out = -side; // the left normal points to side -1
      let next = side === -1 ? 1 : 2;
      for (const run of road.runs) {
        for (let s = between(rng, D.spacing[0] / 2, D.spacing[1]); s <= run.length; s += between(rng, ...D.spacing)) {
          if (run.junctions.some((j) => Math.abs(j.s - s) < j.carriageway + j.sidewalk + D.junctionClear)) continue;
          const st = stationAt(run, s);
          const d = w.carriageway + w.sidewalk + between(rng, ...D.setback);
          const x = st.x + st.nx * out * d,
            y = st.y + st.ny * out * d;
          const at = inDistrict(x, y);
          if (!at || segments.clearance(x, y) < 0.5) continue;
          const number = next;
          next += 2;
          if (rng() < D.gapShare) continue;
          doorplates.push({ road: road.name, number, building: '', side, lon: at[0], lat: at[1] });
          if (rng() >= D.compounds.share) continue;
          const C = D.compounds;
          const n = C.buildings[0] + Math.floor(rng() * (C.buildings[1] - C.buildings[0] + 1));
          for (let b = 1; b <= n; b++) {
            const along = ((b % 2 ? -1 : 1) * C.along) / 2;
            const depth = d + C.depth * Math.ceil(b / 2);
            const bx = st.x + st.tx * along + st.nx * out * depth,
              by = st.y + st.ty * along + st.ny * out * depth;
            const bat = inDistrict(bx, by);
            if (bat && segments.clearance(bx, by) >= C.clearance)
              doorplates.push({ road: road.name, number, building: String(b), side, lon: bat[0], lat: bat[1] });
          }
        }
      }
    }
  }

  // Landmarks.
  const L = P.landmarks;
  const landmarks: PlannedLandmark[] = [];
  const add = (name: string, category: string, aliases: string[], geometry: PlannedLandmark['geometry']) => {
    if (taken.has(name)) return false;
    taken.add(name);
    const kept = aliases.filter((a) => a && a !== name && !taken.has(a));
    for (const a of kept) taken.add(a);
    landmarks.push({ name, aliases: kept, category, geometry });
    return true;
  };
  for (const h of input.hotspots) {
    const spec = L.hotspots[h.name];
    if (spec) add(h.name, spec.category, spec.aliases, { type: 'Point', coordinates: [h.lon, h.lat] });
  }
  if (input.park) add(input.park.name, L.park.category, L.park.aliases, input.park.geometry);
  const short = {
    community: (code: string) => (city.communities.find((c) => c.code === code)?.name ?? '').replace(/社区$/, ''),
    street: (code: string) => (city.streets.find((s) => s.code === code)?.name ?? '').replace(/街道$/, ''),
  };
  const fill = (t: string, where: { community?: string; street?: string }) =>
    t
      .replace('{district}', city.district.name)
      .replace('{community}', where.community ? short.community(where.community) : '')
      .replace('{street}', where.street ? short.street(where.street) : '');
  for (const g of ringParks(city)) {
    const where = { community: g.community };
    const geometry: Polygon | MultiPolygon =
      g.polys.length === 1
        ? { type: 'Polygon', coordinates: g.polys[0] }
        : { type: 'MultiPolygon', coordinates: g.polys };
    add(
      fill(L.ringParks.name, where),
      L.ringParks.category,
      L.ringParks.aliases.map((a) => fill(a, where)),
      geometry,
    );
  }
  const usedGrids = new Set<string>();
  /** A point inside a grid of `grids` (an unused one if it can), clear of the roads by the margin. */
  const spot = (grids: Grid[]): [number, number] | undefined => {
    for (let tries = 0; tries < 400 && grids.length; tries++) {
      const g = pick(rng, grids);
      if (usedGrids.has(g.code) && tries < 300) continue;
      const [x0, y0] = plane.toXY(g.bbox[0], g.bbox[1]),
        [x1, y1] = plane.toXY(g.bbox[2], g.bbox[3]);
      const x = between(rng, x0, x1),
        y = between(rng, y0, y1);
      if (segments.clearance(x, y) < L.margin) continue;
      const [lon, lat] = plane.toLonLat(x, y);
      if (city.index.find(lon, lat)?.code !== g.code) continue;
      usedGrids.add(g.code);
      return [lon, lat];
    }
    return undefined;
  };
  const placeItem = (item: LandmarkItem, where: { community?: string; street?: string }, grids: Grid[]) => {
    const name = fill(item.name, where);
    if (taken.has(name)) return;
    const at = spot(grids);
    if (at)
      add(
        name,
        item.category,
        item.aliases.map((a) => fill(a, where)),
        { type: 'Point', coordinates: at },
      );
  };
  for (const item of L.items) {
    if (!item.per) {
      placeItem(item, {}, city.grids);
      continue;
    }
    const regions = item.per === 'community' ? city.communities : city.streets;
    const chosen =
      item.count === undefined
        ? regions
        : shuffle([...regions], rng)
            .slice(0, item.count)
            .sort((a, b) => (a.code < b.code ? -1 : 1));
    for (const r of chosen) {
      const grids = city.grids.filter((g) => (item.per === 'community' ? g.community : g.street) === r.code);
      placeItem(item, { [item.per]: r.code }, grids);
    }
  }

  return {
    roads: roads.map(({ runs: _, ...r }) => r),
    doorplates,
    landmarks,
  };
}
