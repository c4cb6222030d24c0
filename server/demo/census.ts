/**
 * The demo city's component census (部件普查), deterministic from a seed (pure: no database): ~20,000 components of
 * ~30 GB/T 47678.5 classes placed along the generated roads (parameters in data/demo-census.json):
 *  - manhole covers on the carriageway every 30–60 m (two lines on an arterial, one on a local road), their class
 *    drawn by weight and never the same twice in a row;
 *  - rows along the sidewalks at regular intervals: lamp posts (with a lamp handhole every fifth), street trees, bins,
 *    fire hydrants, bus shelters, telecom cabinets, transformer boxes, rain grates at the curb…;
 *  - at the corners of junctions: traffic signs, traffic lights (where two arterials cross), road-name plates, bins,
 *    news kiosks;
 *  - inside blocks (clear of the roads): toilets, fitness equipment, notice boards, refuse rooms, parcel lockers,
 *    charging posts per community, sanitation tool rooms per street, benches in the park grids, old trees.
 * Items outside the district's grids (the outer side of a boundary road) are dropped; no two items of a class lie
 * within 0.5 m. Then every component gets its code (district + class + serial from 000001 per class, in placement
 * order), owner/title/maintainer by class, a status (mostly 完好), dates, data source and accuracy.
 */
import { componentCatalog } from '../components/catalog.js';
import type { RoadFeature } from './city/params.js';
import {
  CENSUS_PARAMS,
  type AlongSpec,
  type CensusParams,
  type CensusRow,
  type CrossLine,
  type PlannedComponent,
  type RoadKind,
} from './census-params.js';
import { junctionList, Plane, planRoads, SegmentIndex, stationAt, type Road } from './census-geometry.js';
import type { City, Grid } from './dispatch/city.js';
import { between, Choice, pick, stream, type Rng } from './prng.js';

export interface CensusInput {
  city: City;
  roads: RoadFeature[];
  /** The grids of the demo's park (the park rule's polygon). */
  parkCodes: string[];
  seed: number;
}

/** Places the census components (classes, positions, names). */
export function planCensus(input: CensusInput, P: CensusParams = CENSUS_PARAMS): PlannedComponent[] {
  const { city } = input;
  const rng = stream(input.seed, 'census');
  const plane = new Plane(city.district.x, city.district.y);
  const roads = planRoads(input.roads, plane, P.crossSection);
  const segments = new SegmentIndex(roads, P.crossSection);
  const className = (c: string) => componentCatalog().name(c) ?? c;
  const out: PlannedComponent[] = [];
  const taken = new Map<string, Set<string>>();

  /** Adds an item at (x, y) of the plane unless it lies outside the grids or on another of its class. */
  const place = (cls: string, x: number, y: number, name: (g: Grid) => string, road?: string): boolean => {
    const [lon, lat] = plane.toLonLat(x, y);
    const grid = city.index.find(lon, lat);
    if (!grid) return false;
    let cells = taken.get(cls);
    if (!cells) taken.set(cls, (cells = new Set()));
    const cx = Math.floor(x),
      cy = Math.floor(y);
    for (let i = cx - 1; i <= cx + 1; i++)
      for (let j = cy - 1; j <= cy + 1; j++) if (cells.has(`${i}/${j}`)) return false;
    cells.add(`${cx}/${cy}`);
    out.push({ cls, lon, lat, name: `${className(cls)} ${name(grid)}`, road, street: grid.street });
    return true;
  };
  const base = (kind: RoadKind, from: CrossLine) =>
    from === 'centre'
      ? 0
      : from === 'curb'
        ? P.crossSection[kind].carriageway
        : P.crossSection[kind].carriageway + P.crossSection[kind].sidewalk;
  /** Near a junction of the road (within `clear`, or by default the crossing road's half-width plus `extra`)? */
  const nearJunction = (r: Road, s: number, clear: number | undefined, extra: number) =>
    r.junctions.some((j) => Math.abs(j.s - s) < (clear ?? j.carriageway + extra));
  const walk = (r: Road, spacing: [number, number], visit: (s: number, k: number) => void) => {
    let k = 0;
    for (let s = between(rng, 0, spacing[0]); s <= r.length; s += between(rng, spacing[0], spacing[1])) visit(s, k++);
  };
  const onRoad = (r: Road, cls: string, s: number, side: number, offset: number) => {
    const st = stationAt(r, s);
    return place(cls, st.x + st.nx * side * offset, st.y + st.ny * side * offset, () => r.name, r.name);
  };

  // Manhole covers on the carriageway.
  const coverClasses = new Choice(Object.keys(P.covers.weights), Object.values(P.covers.weights));
  for (const r of roads) {
    const [lo, hi] = P.covers.lines[r.kind];
    const lines = r.kind === 'arterial' ? [1, -1] : [0];
    for (const line of lines) {
      let last = '';
      walk(r, P.covers.spacing, (s) => {
        if (nearJunction(r, s, undefined, 1)) return;
        let cls = coverClasses.draw(rng);
        if (cls === last) cls = coverClasses.draw(rng);
        if (cls === last) return;
        const side = line || (rng() < 0.5 ? 1 : -1);
        if (onRoad(r, cls, s, side, between(rng, lo, hi))) last = cls;
      });
    }
  }

  // Rows along the roads.
  const along = (spec: AlongSpec) => {
    const sidewalkExtra = (s: number) => s + 1.5;
    for (const r of roads) {
      if (spec.roads !== 'all' && spec.roads !== r.kind) continue;
      const d = base(r.kind, spec.from) + spec.offset;
      const sides = spec.sides === 'both' ? [1, -1] : [rng() < 0.5 ? 1 : -1];
      for (const first of sides) {
        let side = first,
          n = 0;
        walk(r, spec.spacing, (s) => {
          if (r.junctions.some((j) => Math.abs(j.s - s) < (spec.clear ?? j.carriageway + sidewalkExtra(j.sidewalk))))
            return;
          if (onRoad(r, spec.class, s, side, d) && spec.class === P.lampHandholes.of) {
            // A lamp post: every few lamps a handhole beside it (on the sidewalk, just off the curb).
            const h = P.lampHandholes;
            if (++n % h.every === 0) onRoad(r, h.class, s + h.along, side, base(r.kind, h.from) + h.offset);
          }
          if (spec.sides === 'alternate') side = -side;
        });
      }
    }
  };
  for (const spec of P.along) along(spec);

  // Corners of junctions, in the frame of the widest road through the junction.
  for (const j of junctionList(roads)) {
    const ref = j.roads.reduce((a, b) =>
      P.crossSection[b.road.kind].carriageway > P.crossSection[a.road.kind].carriageway ? b : a,
    );
    const others = j.roads.filter((x) => x.road.index !== ref.road.index).map((x) => x.road);
    if (!others.length) continue;
    const other = others.reduce((a, b) =>
      P.crossSection[b.kind].carriageway > P.crossSection[a.kind].carriageway ? b : a,
    );
    const st = stationAt(ref.road, ref.s);
    const bothArterial = ref.road.kind === 'arterial' && other.kind === 'arterial';
    const corners: [number, number][] = [
      [1, 1],
      [1, -1],
      [-1, -1],
      [-1, 1],
    ];
    const label = `${ref.road.name}与${other.name}交口`;
    for (const item of P.junctions.items) {
      if (item.arterialOnly && !bothArterial) continue;
      if (rng() >= (item.share ?? 1)) continue;
      const chosen = item.perCorner ? corners : drawDistinct(rng, corners, item.corners ?? 1);
      for (const [a, c] of chosen) {
        const u = P.crossSection[other.kind].carriageway + item.along;
        const v = P.crossSection[ref.road.kind].carriageway + item.across;
        place(item.class, st.x + st.tx * a * u + st.nx * c * v, st.y + st.ty * a * u + st.ny * c * v, () => label);
      }
    }
  }

  // Inside blocks and parks: random points of grids, clear of every road's sidewalk by the margin.
  const inBlock = (cls: string, grids: Grid[], n: number) => {
    for (let k = 0, tries = 0; k < n && tries < n * 40 && grids.length; tries++) {
      const g = pick(rng, grids);
      const x0y0 = plane.toXY(g.bbox[0], g.bbox[1]),
        x1y1 = plane.toXY(g.bbox[2], g.bbox[3]);
      const x = between(rng, x0y0[0], x1y1[0]),
        y = between(rng, x0y0[1], x1y1[1]);
      if (segments.clearance(x, y) < P.blocks.margin) continue;
      const [lon, lat] = plane.toLonLat(x, y);
      if (city.index.find(lon, lat)?.code !== g.code) continue;
      if (place(cls, x, y, (h) => h.name)) k++;
    }
  };
  const gridsOf = (pred: (g: Grid) => boolean) => city.grids.filter(pred);
  for (const c of city.communities) {
    const grids = gridsOf((g) => g.community === c.code);
    for (const [cls, n] of Object.entries(P.blocks.perCommunity)) inBlock(cls, grids, n);
  }
  for (const s of city.streets) {
    const grids = gridsOf((g) => g.street === s.code);
    for (const [cls, n] of Object.entries(P.blocks.perStreet)) inBlock(cls, grids, n);
  }
  const parkSet = new Set(input.parkCodes);
  const park = gridsOf((g) => parkSet.has(g.code));
  const parkGrids = [...park, ...ringParks(city).filter((g) => !parkSet.has(g.code))];
  for (const g of parkGrids) for (const [cls, n] of Object.entries(P.blocks.perParkGrid)) inBlock(cls, [g], n);
  for (const [cls, n] of Object.entries(P.blocks.park)) inBlock(cls, park, n);
  for (const [cls, n] of Object.entries(P.blocks.anywhere)) inBlock(cls, city.grids, n);
  return out;
}

function drawDistinct<T>(rng: Rng, list: T[], n: number): T[] {
  const rest = [...list],
    out: T[] = [];
  while (out.length < n && rest.length) out.push(rest.splice(Math.floor(rng() * rest.length), 1)[0]);
  return out;
}

/** The park grids that fill the hole of a ring grid (the generator's 「park」 grids). */
export function ringParks(city: City): Grid[] {
  const out: Grid[] = [];
  for (const g of city.grids) {
    for (const poly of g.polys) {
      for (const hole of poly.slice(1)) {
        const n = hole.length - 1;
        const cx = hole.slice(0, n).reduce((s, p) => s + p[0], 0) / n,
          cy = hole.slice(0, n).reduce((s, p) => s + p[1], 0) / n;
        const inner = city.index.find(cx, cy);
        if (inner && inner.code !== g.code && !out.includes(inner)) out.push(inner);
      }
    }
  }
  return out;
}

export interface Departments {
  /** department code → name */
  names: Map<string, string>;
  /** street code → its street office's code */
  streetOffice: Map<string, string>;
  /** class → owner (主管) and maintainer (养护) department codes; 'street' = the street office */
  owner: Record<string, string>;
  maintainer: Record<string, string>;
}

/** Codes (district + class + serial per class in placement order) and the census attributes of every component. */
export function attributeCensus(
  planned: PlannedComponent[],
  district: string,
  depts: Departments,
  seed: number,
  P: CensusParams = CENSUS_PARAMS,
): CensusRow[] {
  const rng = stream(seed, 'census-attributes');
  const serials = new Map<string, number>();
  const sources = new Choice(Object.keys(P.dataSource), Object.values(P.dataSource));
  const lost = new Set(P.status.lostClasses);
  const census = Date.parse(`${P.censusDate}T00:00:00Z`);
  const day = 86_400_000;
  const from = Date.UTC(P.installedFrom, 0, 1),
    to = Date.UTC(P.installedTo, 11, 31);
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  const dept = (spec: string | undefined, street: string) => {
    const code = spec === 'street' ? (depts.streetOffice.get(street) ?? null) : (spec ?? null);
    return { code, name: code ? (depts.names.get(code) ?? '') : '' };
  };
  return planned.map((p) => {
    const serial = (serials.get(p.cls) ?? 0) + 1;
    serials.set(p.cls, serial);
    const owner = dept(depts.owner[p.cls], p.street);
    const maintainer = dept(depts.maintainer[p.cls], p.street);
    const x = rng();
    const status =
      x < P.status.damaged ? '破损' : lost.has(p.cls) && x < P.status.damaged + P.status.lost ? '丢失' : '完好';
    const installed = from + Math.floor(rng() * ((to - from) / day + 1)) * day;
    // 变更日期: the survey that found it damaged or lost, else (for some) a later attribute change, else installation.
    const changed =
      status !== '完好'
        ? census - Math.floor(rng() * 60) * day
        : rng() < 0.15
          ? installed + Math.floor(rng() * ((census - installed) / day + 1)) * day
          : installed;
    const dataSource = sources.draw(rng);
    const title = P.title[p.cls];
    return {
      ...p,
      code: `${district}${p.cls}${String(serial).padStart(6, '0')}`,
      ownerCode: owner.code,
      ownerName: owner.name,
      titleCode: title ? null : owner.code,
      titleName: title ?? owner.name,
      maintainerCode: maintainer.code,
      maintainerName: maintainer.name,
      status,
      initialDate: iso(installed),
      changeDate: iso(changed),
      dataSource,
      accuracy: dataSource === '实测' ? 'A' : 'B',
      note: status === '丢失' ? '普查时缺失' : status === '破损' ? '普查时发现破损' : '',
    };
  });
}
