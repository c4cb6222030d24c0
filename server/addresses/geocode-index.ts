/**
 * The geocoder's in-memory name index: every road name (current, alias, former), every landmark name and alias, and
 * the live regions, with their blocking keys. A city has thousands of road names and landmarks, so the index is
 * small (a few MB) and a lookup is microseconds; the doorplates (hundreds of thousands) stay in the database and are
 * fetched per query by road and number through an index.
 *
 * Candidate names for a query name are those with: the same normalised text or key (nameKey: the road suffix left
 * out), the same pinyin key (homophone typos: 青和路/青禾路), a key within two edits, or a key that contains the
 * query's key or is contained in it. pg_trgm alone misses one-character typos in short Chinese names
 * (similarity('青和路','青禾路') = 0.14), so the index proposes by characters and the pure scorer (fuzzy.ts) decides.
 *
 * The index is rebuilt when the 'addresses' or a region tile-layer version changes (every gazetteer or region write
 * bumps it through the write path), checked with one small query per geocode.
 */
import { sql, type Kysely } from 'kysely';
import { pinyin } from 'pinyin-pro';
import type { DB } from '../db/schema.js';
import { REGION_LAYERS } from '../importexport/publish.js';
import { levenshtein, nameKey, type PinyinFn } from './fuzzy.js';
import { normalizeQuery, type RegionName, type RegionNames } from './parse.js';

const PINYIN_CACHE = new Map<string, string>();
const PINYIN_CACHE_MAX = 100_000;

/** The pinyin key of a name key: toneless syllables without separators ("青禾" → "qinghe"); memoised. */
export const pinyinKey: PinyinFn = (text) => {
  if (text === '') return '';
  let k = PINYIN_CACHE.get(text);
  if (k === undefined) {
    k = pinyin(text, { toneType: 'none', separator: '', nonZh: 'consecutive', v: true });
    if (PINYIN_CACHE.size >= PINYIN_CACHE_MAX) PINYIN_CACHE.clear();
    PINYIN_CACHE.set(text, k);
  }
  return k;
};

export interface NamedThing {
  kind: 'road' | 'landmark';
  id: number;
  /** Current name. */
  name: string;
  aliases: string[];
  /** Former names of a road (kind 'former' in road_name) with the date they ended. */
  former: { name: string; until: string | null }[];
  district_code?: string;
  street_code?: string;
  community_code?: string;
  grid_code?: string;
  /** pinyin key of nameKey(name) */
  pinyin: string;
  /** Where it is answered: a road's point nearest its centroid, a point on a landmark's surface. */
  lon: number;
  lat: number;
}

interface Entry {
  thing: NamedThing;
  text: string;
  key: string;
}

export interface GeocodeIndex {
  version: string;
  regions: RegionNames;
  /** code → name for every live region. */
  regionName: Map<string, string>;
  things: NamedThing[];
  byText: Map<string, Entry[]>;
  byKey: Map<string, Entry[]>;
  byPinyin: Map<string, Entry[]>;
  /** character → entries whose key holds it (typo and partial candidates). */
  byChar: Map<string, Entry[]>;
}

const REGION_SUFFIX = /(街道|社区|居委会|村委会|镇|乡|村|区|县)$/;

/** A short form of a region name: "翠湖" for "翠湖街道" (at least two characters left). */
function shortForms(name: string): string[] {
  const m = REGION_SUFFIX.exec(name);
  if (!m) return [];
  const stem = name.slice(0, m.index);
  return Array.from(stem).length >= 2 ? [stem] : [];
}

function push<K>(map: Map<K, Entry[]>, k: K, e: Entry): void {
  const list = map.get(k);
  if (list) {
    if (!list.some((x) => x.thing === e.thing)) list.push(e);
  } else map.set(k, [e]);
}

/** Builds the index (pure: rows in, index out). */
export function buildIndex(version: string, regionRows: RegionName[][], things: NamedThing[]): GeocodeIndex {
  const [districts, streets, communities] = regionRows.map((list) =>
    list.map((r) => ({ ...r, short: shortForms(r.name) })),
  );
  const index: GeocodeIndex = {
    version,
    regions: { districts: districts!, streets: streets!, communities: communities! },
    regionName: new Map(regionRows.flat().map((r) => [r.code, r.name])),
    things,
    byText: new Map(),
    byKey: new Map(),
    byPinyin: new Map(),
    byChar: new Map(),
  };
  for (const thing of things) {
    const names = [thing.name, ...thing.aliases, ...thing.former.map((f) => f.name)];
    for (const n of names) {
      const e = { thing, text: normalizeQuery(n), key: nameKey(n) };
      push(index.byText, e.text, e);
      push(index.byKey, e.key, e);
      const pk = n === thing.name ? thing.pinyin : pinyinKey(e.key);
      if (pk !== '') push(index.byPinyin, pk, e);
      for (const ch of new Set(Array.from(e.key))) push(index.byChar, ch, e);
    }
  }
  return index;
}

/**
 * Things whose names may match a query name (the scorer ranks them), in a deterministic order: those met exactly, by
 * key or by pinyin when there are any, else those within two edits or containing/contained.
 */
export function candidatesFor(index: GeocodeIndex, query: string, cap = 200): NamedThing[] {
  const found = new Map<NamedThing, true>();
  const add = (list: Entry[] | undefined) => {
    for (const e of list ?? []) found.set(e.thing, true);
  };
  const text = normalizeQuery(query);
  const key = nameKey(query);
  if (key === '') return [];
  add(index.byText.get(text));
  add(index.byKey.get(key));
  add(index.byPinyin.get(pinyinKey(key)));
  // A name met exactly, by key or by pinyin (N ≥ 0.85) outranks every typo or partial match (N ≤ 0.75): stop here.
  if (found.size > 0) return [...found.keys()].sort(byKindAndId).slice(0, cap);
  // Typos and partial names: entries sharing a character with the key, filtered by edit distance or containment.
  const chars = [...new Set(Array.from(key))];
  const seen = new Set<Entry>();
  const len = chars.length === 0 ? 0 : Array.from(key).length;
  for (const ch of chars) {
    for (const e of index.byChar.get(ch) ?? []) {
      if (seen.has(e) || found.has(e.thing)) continue;
      seen.add(e);
      if (e.key.includes(key) || key.includes(e.key)) found.set(e.thing, true);
      else if (Math.abs(Array.from(e.key).length - len) <= 2 && levenshtein(key, e.key, 2) <= 2)
        found.set(e.thing, true);
    }
    if (found.size >= cap * 4) break;
  }
  return [...found.keys()].sort(byKindAndId).slice(0, cap * 4);
}

const byKindAndId = (a: NamedThing, b: NamedThing) => (a.kind === b.kind ? a.id - b.id : a.kind < b.kind ? -1 : 1);

interface Cached {
  index?: GeocodeIndex;
  loading?: Promise<GeocodeIndex>;
  loadingVersion?: string;
}
const caches = new WeakMap<Kysely<DB>, Cached>();

async function currentVersion(db: Kysely<DB>): Promise<string> {
  const layers = ['addresses', ...REGION_LAYERS];
  const r = await sql<{ v: string | null }>`
    select string_agg(layer || ':' || version, ',' order by layer) as v from tile_layer_version
    where layer = any(${layers}::text[])`.execute(db);
  return r.rows[0]?.v ?? '';
}

async function load(db: Kysely<DB>, version: string): Promise<GeocodeIndex> {
  const regions = await sql<{ code: string; name: string; level: string }>`
    select code, name, level from region where termination_date is null order by code`.execute(db);
  const byLevel = (level: string) =>
    regions.rows.filter((r) => r.level === level).map((r) => ({ code: r.code, name: r.name }));
  const roads = await sql<{
    id: string;
    name: string;
    district_code: string | null;
    lon: number;
    lat: number;
    names: { name: string; kind: string; valid_to: string | null }[] | null;
  }>`
    select r.id, r.name, r.district_code, ST_X(p) as lon, ST_Y(p) as lat,
      (select jsonb_agg(jsonb_build_object('name', n.name, 'kind', n.kind, 'valid_to', n.valid_to) order by n.name)
         from road_name n where n.road_id = r.id) as names
    from road r cross join lateral (select ST_ClosestPoint(r.geom, ST_Centroid(r.geom)) as p) x order by r.id`.execute(
    db,
  );
  const marks = await sql<{
    id: string;
    name: string;
    aliases: string[];
    grid_code: string | null;
    community_code: string | null;
    street_code: string | null;
    district_code: string | null;
    lon: number;
    lat: number;
  }>`select id, name, aliases, grid_code, community_code, street_code, district_code, ST_X(p) as lon, ST_Y(p) as lat
     from landmark cross join lateral (select ST_PointOnSurface(geom) as p) x order by id`.execute(db);
  const opt = (v: string | null) => v ?? undefined;
  const things: NamedThing[] = [
    ...roads.rows.map((r) => ({
      kind: 'road' as const,
      id: Number(r.id),
      name: r.name,
      aliases: (r.names ?? []).filter((n) => n.kind === 'alias' && n.name !== r.name).map((n) => n.name),
      former: (r.names ?? []).filter((n) => n.kind === 'former').map((n) => ({ name: n.name, until: n.valid_to })),
      district_code: opt(r.district_code),
      pinyin: pinyinKey(nameKey(r.name)),
      lon: r.lon,
      lat: r.lat,
    })),
    ...marks.rows.map((m) => ({
      kind: 'landmark' as const,
      id: Number(m.id),
      name: m.name,
      aliases: m.aliases.filter((a) => a !== m.name),
      former: [],
      grid_code: opt(m.grid_code),
      community_code: opt(m.community_code),
      street_code: opt(m.street_code),
      district_code: opt(m.district_code),
      pinyin: pinyinKey(nameKey(m.name)),
      lon: m.lon,
      lat: m.lat,
    })),
  ];
  return buildIndex(version, [byLevel('district'), byLevel('street'), byLevel('community')], things);
}

/** The index for this database, rebuilt when the gazetteer or the regions changed. */
export async function geocodeIndex(db: Kysely<DB>): Promise<GeocodeIndex> {
  const version = await currentVersion(db);
  let c = caches.get(db);
  if (!c) caches.set(db, (c = {}));
  if (c.index?.version === version) return c.index;
  if (c.loading && c.loadingVersion === version) return c.loading;
  const cached = c;
  const loading = load(db, version).then(
    (index) => {
      if (cached.loadingVersion === version) {
        cached.index = index;
        cached.loading = undefined;
      }
      return index;
    },
    (e: unknown) => {
      if (cached.loadingVersion === version) cached.loading = undefined;
      throw e;
    },
  );
  c.loading = loading;
  c.loadingVersion = version;
  return loading;
}
