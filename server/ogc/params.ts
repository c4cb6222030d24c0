/**
 * The query parameters of OGC API – Features items: limit, bbox (+ bbox-crs), datetime, crs, the paging cursors and
 * a collection's property filters, turned into SQL conditions. Every wrong value is a 400 that says what was wrong.
 */
import { sql, type RawBuilder } from 'kysely';
import { badRequest } from '../http/problem.js';
import { isSaneDate, isSaneDateTime } from '../http/validate.js';
import type { FeatureKey, OgcCollection } from './collections.js';

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
export const EPSG4490 = 'http://www.opengis.net/def/crs/EPSG/0/4490';
export const EPSG4326 = 'http://www.opengis.net/def/crs/EPSG/0/4326';
/** The coordinate systems every collection offers. CGCS2000 (4490) and WGS84 (4326) list latitude first. */
export const CRS_LIST = [CRS84, EPSG4490, EPSG4326] as const;
export const STORAGE_CRS = CRS84;

/** Items per page without `limit`, and the most one page may hold. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

/** Parameters every items request may carry; a collection adds its property filters. */
export const COMMON_PARAMS = ['f', 'limit', 'bbox', 'bbox-crs', 'datetime', 'crs', 'after', 'before'] as const;

/** True when the CRS puts latitude first (the EPSG geographic CRSs); CRS84 is lon/lat. */
export const latFirst = (crs: string): boolean => crs !== CRS84;

/** Dates in the database are China's civil dates (UTC+8, no daylight saving). */
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** 400 for parameters the collection does not know, naming them and the ones it knows. */
export function checkKnownParams(c: OgcCollection, query: Record<string, unknown>): void {
  const known = new Set<string>([...COMMON_PARAMS, ...Object.keys(c.filters)]);
  if (!c.temporal) known.delete('datetime');
  const unknown = Object.keys(query).filter((k) => !known.has(k));
  if (unknown.length) {
    const extra = !c.temporal && unknown.includes('datetime') ? ` (collection ${c.id} has no time)` : '';
    throw badRequest(
      `unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}${extra}; ` +
        `collection ${c.id} takes ${[...known].join(', ')}`,
      { errors: unknown.map((k) => ({ location: `query.${k}`, message: `unknown query parameter '${k}'` })) },
    );
  }
}

/** The envelope of `bbox` (4 or 6 numbers, axis order of bbox-crs) as lon/lat, or a 400. */
export function parseBbox(text: string, crs: string): [number, number, number, number] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 4 && parts.length !== 6)
    throw badRequest(`bbox must have 4 (or 6, with heights) comma-separated numbers; got ${parts.length}`);
  const nums = parts.map((p, i) => {
    const n = Number(p);
    if (p === '' || !Number.isFinite(n)) throw badRequest(`bbox: value ${i + 1} "${p.slice(0, 40)}" is not a number`);
    return n;
  });
  // 6 numbers: minX, minY, minZ, maxX, maxY, maxZ — heights are ignored (the data is 2D).
  const [a, b, c, d] = nums.length === 6 ? [nums[0], nums[1], nums[3], nums[4]] : nums;
  const [minLon, minLat, maxLon, maxLat] = latFirst(crs) ? [b, a, d, c] : [a, b, c, d];
  const order = latFirst(crs) ? 'minLat,minLon,maxLat,maxLon' : 'minLon,minLat,maxLon,maxLat';
  if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90)
    throw badRequest(`bbox ${text.slice(0, 80)} is outside -180..180, -90..90 (axis order ${order} for ${crs})`);
  if (minLat > maxLat) throw badRequest(`bbox: minimum latitude ${minLat} is greater than maximum ${maxLat}`);
  if (minLon > maxLon)
    throw badRequest(`bbox: minimum longitude ${minLon} is greater than maximum ${maxLon} (no antimeridian data here)`);
  return [minLon, minLat, maxLon, maxLat];
}

interface Instant {
  /** First and last millisecond it covers: a date is a whole China day, a date-time one instant. */
  from: Date;
  to: Date;
  /** China civil date of each end. */
  fromDay: string;
  toDay: string;
}

function chinaDay(t: Date): string {
  return new Date(t.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

function instant(s: string, what: string): Instant {
  if (isSaneDate(s)) {
    const from = new Date(Date.parse(`${s}T00:00:00Z`) - CHINA_OFFSET_MS);
    return { from, to: new Date(from.getTime() + 86_400_000 - 1), fromDay: s, toDay: s };
  }
  if (isSaneDateTime(s)) {
    const t = new Date(Date.parse(s));
    return { from: t, to: t, fromDay: chinaDay(t), toDay: chinaDay(t) };
  }
  throw badRequest(
    `datetime: ${what} "${s.slice(0, 60)}" is neither a date (YYYY-MM-DD, a whole day in China time) nor an RFC 3339 ` +
      'date-time with an offset (e.g. 2026-03-01T08:30:00+08:00); an interval is start/end with ".." for an open end',
  );
}

/** The condition of `datetime` (an instant, or an interval a/b with ".." or "" for an open end). */
export function datetimeCondition(c: OgcCollection, text: string): RawBuilder<boolean> {
  const t = c.temporal;
  if (!t) throw badRequest(`collection ${c.id} has no time: datetime does not apply`);
  const parts = text.split('/');
  if (parts.length > 2) throw badRequest(`datetime "${text.slice(0, 60)}" has more than one "/"`);
  const open = (s: string) => s === '..' || s === '';
  let start: Instant | undefined;
  let end: Instant | undefined;
  if (parts.length === 1) {
    if (open(parts[0])) throw badRequest('datetime must be an instant or an interval start/end, not empty or ".."');
    start = end = instant(parts[0], 'instant');
  } else {
    start = open(parts[0]) ? undefined : instant(parts[0], 'start');
    end = open(parts[1]) ? undefined : instant(parts[1], 'end');
    if (start && end && start.from > end.to)
      throw badRequest(`datetime: the start ${parts[0]} is after the end ${parts[1]}`);
  }
  if (t.kind === 'instant') {
    const conds: RawBuilder<boolean>[] = [];
    if (start) conds.push(sql<boolean>`${t.at} >= ${start.from.toISOString()}::timestamptz`);
    if (end) conds.push(sql<boolean>`${t.at} <= ${end.to.toISOString()}::timestamptz`);
    return conds.length ? sql<boolean>`(${sql.join(conds, sql` and `)})` : sql<boolean>`${t.at} is not null`;
  }
  // Validity [start, end): the row overlaps the days from start to end.
  const conds: RawBuilder<boolean>[] = [];
  if (end) conds.push(sql<boolean>`(${t.start} is null or ${t.start} <= ${end.toDay}::date)`);
  if (start) {
    conds.push(
      t.endExclusive
        ? sql<boolean>`(${t.end} is null or ${t.end} > ${start.fromDay}::date)`
        : sql<boolean>`(${t.end} is null or ${t.end} >= ${start.fromDay}::date)`,
    );
  }
  return conds.length ? sql<boolean>`(${sql.join(conds, sql` and `)})` : sql<boolean>`true`;
}

/** The conditions of the property filters given in the query. */
export function filterConditions(c: OgcCollection, query: Record<string, unknown>): RawBuilder<boolean>[] {
  const out: RawBuilder<boolean>[] = [];
  for (const [name, f] of Object.entries(c.filters)) {
    const v = query[name];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw badRequest(`query parameter '${name}' must be given once`);
    if (!new RegExp(f.pattern, 'u').test(v))
      throw badRequest(`query parameter '${name}' must be ${f.description} (got ${JSON.stringify(v.slice(0, 40))})`);
    out.push(f.contains ? sql<boolean>`${f.sql} @> array[${v}]::text[]` : sql<boolean>`${f.sql} = ${v}`);
  }
  return out;
}

/** The key values of a paging cursor (a feature id of this collection), or a 400. */
export function parseCursor(key: FeatureKey, name: string, value: string): Array<string | number> {
  const k = key.parse(value);
  if (!k) throw badRequest(`${name} "${value.slice(0, 60)}" is not a feature id of this collection`);
  return k;
}

/** `key > cursor` (or `<` going back): a lexicographic comparison the indexes on the first column can serve. */
export function keyCompare(
  key: FeatureKey,
  values: Array<string | number>,
  op: '>' | '<' | '>=' | '<=',
): RawBuilder<boolean> {
  const cols = key.columns.map((c) => c.sql);
  const strict = op === '>' || op === '<' ? op : op === '>=' ? '>' : '<';
  const weak = strict === '>' ? '>=' : '<=';
  const v = (i: number) => sql`${values[i]}::${sql.raw(key.columns[i].type)}`;
  if (cols.length === 1) return sql<boolean>`${cols[0]} ${sql.raw(op)} ${v(0)}`;
  // (a, b) > (x, y)  ⇔  a >= x and (a > x or b > y); the first part uses the index on a.
  const lastOp = op.length === 2 ? weak : strict;
  return sql<boolean>`(${cols[0]} ${sql.raw(weak)} ${v(0)} and (${cols[0]} ${sql.raw(strict)} ${v(0)} or ${cols[1]} ${sql.raw(lastOp)} ${v(1)}))`;
}
