/**
 * Forward geocoding (地理编码): free text → candidate places, best first, each with a deterministic, explained score.
 *
 *   1. parse (parse.ts): regions at the front, road, doorplate number, building, rest;
 *   2. names (geocode-index.ts): the roads and landmarks whose name, alias or former name may be meant — exact, same
 *      key without the road suffix, same pinyin, within two edits, or partial;
 *   3. places: for the best roads, the doorplates with the asked number (any building plate inside it); when the
 *      number is not in the gazetteer, a point **interpolated** between the two nearest known doorplates of the same
 *      parity (odd/even: the same side of the road) below and above it, on the line between them; the road itself
 *      (its point nearest its centroid); the landmarks (a point on their surface); a region when the query names only
 *      regions (or nothing else matches);
 *   4. score (fuzzy.ts: 0.55·name + 0.25·number + 0.05·building + 0.15·regions) and sort: score, then level
 *      (doorplate > interpolated > landmark > road > community > street > district), then address.
 *
 * Addresses read like the standard's: street office + community + road + number (+ building), e.g.
 * 湖滨街道西湖社区长青路3号; a road reads district + road; a region its chain of names.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { locatePoint } from '../grids/locate.js';
import { score, type Candidate } from './fuzzy.js';
import { candidatesFor, geocodeIndex, pinyinKey, type GeocodeIndex, type NamedThing } from './geocode-index.js';
import { houseNumberValue } from './numerals.js';
import { parseAddress, type ParsedAddress } from './parse.js';

export const LEVELS = ['doorplate', 'interpolated', 'landmark', 'road', 'community', 'street', 'district'] as const;
export type Level = (typeof LEVELS)[number];

export interface GeocodeCandidate {
  address: string;
  level: Level;
  lon: number;
  lat: number;
  score: number;
  grid_code: string | null;
  community_code: string | null;
  street_code: string | null;
  reasons: string[];
}

export interface GeocodeResult {
  query: string;
  parsed: Omit<ParsedAddress, 'tokens' | 'district' | 'street' | 'community'> & {
    district?: string;
    street?: string;
    community?: string;
    tokens: string[];
  };
  candidates: GeocodeCandidate[];
}

/** How many roads and landmarks go on to the place lookup. */
const TOP_NAMES = 6;

interface Place {
  level: Level;
  local: string;
  lon: number;
  lat: number;
  grid_code?: string;
  community_code?: string;
  street_code?: string;
  district_code?: string;
  candidate: Candidate;
}

interface DoorRow {
  road_id: string;
  road: string;
  number: string;
  number_int: number | null;
  building: string;
  lon: number;
  lat: number;
  grid_code: string | null;
  community_code: string | null;
  street_code: string | null;
  district_code: string | null;
}

const opt = (v: string | null | undefined) => v ?? undefined;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const plateText = (road: string, number: string, building: string) =>
  `${road}${number}号${building ? `${building}栋` : ''}`;

function thingCandidate(t: NamedThing): Candidate {
  return {
    kind: t.kind,
    name: t.name,
    aliases: [...t.aliases, ...t.former.map((f) => f.name)],
    district_code: t.district_code,
    street_code: t.street_code,
    community_code: t.community_code,
    pinyin: t.pinyin,
  };
}

/** The reason for a former name reads as such, with the date it ended. */
function explainFormer(t: NamedThing, reasons: string[]): string[] {
  return reasons.map((r) => {
    const f = t.former.find((x) => r.includes(`alias ${x.name}`));
    return f ? r.replace(`alias ${f.name}`, `former name ${f.name}${f.until ? ` (until ${f.until})` : ''}`) : r;
  });
}

async function doorplates(db: Kysely<DB>, roads: NamedThing[], q: ParsedAddress): Promise<Place[]> {
  const wanted = q.number === undefined ? undefined : houseNumberValue(q.number);
  if (wanted === undefined || roads.length === 0) return [];
  const ids = roads.map((r) => r.id);
  const cols = sql`d.road_id, d.road, d.number, d.number_int, d.building, ST_X(d.geom) as lon, ST_Y(d.geom) as lat,
    d.grid_code, d.community_code, d.street_code, d.district_code`;
  const parity = Math.abs(wanted % 2);
  // One round trip: the plates with that number, and for interpolation the nearest plates of the same parity
  // below and above it on each road.
  const rows = await sql<DoorRow & { dir: string }>`
    select * from (select 'same' as dir, ${cols} from doorplate d
      where d.road_id = any(${ids}::bigint[]) and d.number_int = ${wanted}) same
    union all
    select * from (
      select distinct on (d.road_id) 'lo' as dir, ${cols} from doorplate d
      where d.road_id = any(${ids}::bigint[]) and d.number_int < ${wanted} and abs(d.number_int % 2) = ${parity}
        and d.building = ''
      order by d.road_id, d.number_int desc, d.number) lo
    union all
    select * from (
      select distinct on (d.road_id) 'hi' as dir, ${cols} from doorplate d
      where d.road_id = any(${ids}::bigint[]) and d.number_int > ${wanted} and abs(d.number_int % 2) = ${parity}
        and d.building = ''
      order by d.road_id, d.number_int, d.number) hi`.execute(db);
  const same = rows.rows
    .filter((d) => d.dir === 'same')
    .sort((a, b) => Number(a.road_id) - Number(b.road_id) || cmp(a.number, b.number) || cmp(a.building, b.building));
  const places: Place[] = same.map((d) => ({
    level: 'doorplate',
    local: plateText(d.road, d.number, d.building),
    lon: d.lon,
    lat: d.lat,
    grid_code: opt(d.grid_code),
    community_code: opt(d.community_code),
    street_code: opt(d.street_code),
    district_code: opt(d.district_code),
    candidate: {
      kind: 'doorplate',
      name: d.road,
      aliases: [],
      number: d.number,
      building: d.building || undefined,
      district_code: opt(d.district_code),
      street_code: opt(d.street_code),
      community_code: opt(d.community_code),
    },
  }));
  // Roads without that number: interpolate between the nearest known plates of the same parity below and above.
  const missing = ids.filter((id) => !same.some((d) => Number(d.road_id) === id && d.number === q.number));
  for (const id of missing) {
    const lo = rows.rows.find((b) => Number(b.road_id) === id && b.dir === 'lo');
    const hi = rows.rows.find((b) => Number(b.road_id) === id && b.dir === 'hi');
    if (!lo || !hi || lo.number_int === null || hi.number_int === null) continue;
    const t = (wanted - lo.number_int) / (hi.number_int - lo.number_int);
    const agree = (k: 'grid_code' | 'community_code' | 'street_code' | 'district_code') =>
      lo[k] !== null && lo[k] === hi[k] ? lo[k]! : undefined;
    const codes = {
      grid_code: agree('grid_code'),
      community_code: agree('community_code'),
      street_code: agree('street_code'),
      district_code: agree('district_code'),
    };
    places.push({
      level: 'interpolated',
      local: plateText(lo.road, q.number!, ''),
      lon: lo.lon + t * (hi.lon - lo.lon),
      lat: lo.lat + t * (hi.lat - lo.lat),
      ...codes,
      candidate: { kind: 'doorplate', name: lo.road, aliases: [], number: q.number, interpolated: true, ...codes },
    });
  }
  return places;
}

function thingPlaces(things: NamedThing[]): Place[] {
  return things.map((t) => ({
    level: t.kind,
    local: t.name,
    lon: t.lon,
    lat: t.lat,
    grid_code: t.grid_code,
    community_code: t.community_code,
    street_code: t.street_code,
    district_code: t.district_code,
    candidate: thingCandidate(t),
  }));
}

async function regionPlace(db: Kysely<DB>, index: GeocodeIndex, q: ParsedAddress): Promise<Place | undefined> {
  const level = q.community ? 'community' : q.street ? 'street' : q.district ? 'district' : undefined;
  if (!level) return undefined;
  const ref = q[level]!;
  const p = (
    await sql<{ lon: number; lat: number }>`
      select ST_X(p) as lon, ST_Y(p) as lat from (
        select ST_PointOnSurface(geom) as p from region where code = ${ref.code} and termination_date is null) x`.execute(
      db,
    )
  ).rows[0];
  if (!p) return undefined;
  const codes = {
    district_code: ref.code.slice(0, 6),
    street_code: ref.code.length >= 9 ? ref.code.slice(0, 9) : undefined,
    community_code: ref.code.length >= 12 ? ref.code : undefined,
  };
  return {
    level,
    local: '',
    lon: p.lon,
    lat: p.lat,
    ...codes,
    candidate: { kind: level, name: index.regionName.get(ref.code) ?? ref.name, ...codes },
  };
}

const LEVEL_RANK = new Map(LEVELS.map((l, i) => [l, i]));

export async function geocode(db: Kysely<DB>, query: string, limit: number): Promise<GeocodeResult> {
  const index = await geocodeIndex(db);
  const q = parseAddress(query, index.regions);
  const name = q.road ?? (q.rest !== '' ? q.rest : undefined);
  const places: Place[] = [];
  const thingReasons = new Map<Candidate, NamedThing>();
  if (name !== undefined) {
    const scored = candidatesFor(index, name)
      .map((t) => ({ t, s: score(q, thingCandidate(t), { pinyin: pinyinKey }) }))
      .filter((x) => x.s.reasons[0] !== 'name differs')
      .sort((a, b) => b.s.score - a.s.score || a.t.id - b.t.id);
    const roads = scored.filter((x) => x.t.kind === 'road').slice(0, TOP_NAMES);
    const marks = scored.filter((x) => x.t.kind === 'landmark').slice(0, TOP_NAMES);
    const plates = await doorplates(
      db,
      roads.map((x) => x.t),
      q,
    );
    const named = thingPlaces([...roads, ...marks].map((x) => x.t));
    // A doorplate answers for its road's name forms too (an alias or former name in the query).
    for (const p of plates) {
      const road = roads.find((x) => x.t.name === p.candidate.name)?.t;
      if (road) {
        p.candidate.aliases = [...road.aliases, ...road.former.map((f) => f.name)];
        thingReasons.set(p.candidate, road);
      }
    }
    for (const p of named) {
      const t = [...roads, ...marks].find((x) => x.t.name === p.local && x.t.kind === p.level)?.t;
      if (t) thingReasons.set(p.candidate, t);
    }
    places.push(...plates, ...named);
  }
  if (places.length === 0) {
    const region = await regionPlace(db, index, q);
    if (region) places.push(region);
  }

  const ranked = places
    .map((p) => {
      const s = score(q, p.candidate, { pinyin: pinyinKey });
      const t = thingReasons.get(p.candidate);
      return { p, score: s.score, reasons: t ? explainFormer(t, s.reasons) : s.reasons };
    })
    .sort(
      (a, b) =>
        b.score - a.score ||
        LEVEL_RANK.get(a.p.level)! - LEVEL_RANK.get(b.p.level)! ||
        (a.p.local < b.p.local ? -1 : a.p.local > b.p.local ? 1 : 0),
    );
  const candidates: GeocodeCandidate[] = [];
  const seen = new Set<string>();
  for (const r of ranked) {
    if (candidates.length >= limit) break;
    const c = await finish(db, index, r.p);
    const key = `${c.level}|${c.address}`;
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push({ ...c, score: r.score, reasons: r.reasons });
  }
  const { district, street, community, tokens, ...rest } = q;
  return {
    query,
    parsed: {
      ...rest,
      ...(district ? { district: district.name } : {}),
      ...(street ? { street: street.name } : {}),
      ...(community ? { community: community.name } : {}),
      tokens,
    },
    candidates,
  };
}

/** Region codes from the position where the place has none (roads, interpolated points), and the address text. */
async function finish(
  db: Kysely<DB>,
  index: GeocodeIndex,
  p: Place,
): Promise<Omit<GeocodeCandidate, 'score' | 'reasons'>> {
  let { grid_code, community_code, street_code } = p;
  const point = p.level === 'doorplate' || p.level === 'interpolated' || p.level === 'landmark';
  if (point && (grid_code === undefined || community_code === undefined)) {
    const loc = await locatePoint(db, p.lon, p.lat);
    grid_code = loc.grid?.code;
    community_code = loc.community?.code;
    street_code = loc.street?.code;
  }
  const names = (...codes: (string | undefined)[]) =>
    codes.map((c) => (c === undefined ? '' : (index.regionName.get(c) ?? ''))).join('');
  let address: string;
  if (point) address = names(street_code, community_code) + p.local;
  else if (p.level === 'road') address = names(p.district_code) + p.local;
  else address = names(p.district_code, p.street_code, p.community_code);
  return {
    address,
    level: p.level,
    lon: p.lon,
    lat: p.lat,
    grid_code: grid_code ?? null,
    community_code: community_code ?? null,
    street_code: street_code ?? null,
  };
}
