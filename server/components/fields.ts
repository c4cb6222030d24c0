/**
 * The columns of a component census file (CSV, XLSX, Shapefile .dbf, GeoJSON properties) and their values.
 *
 * A column may be named by the GB/T 47678.5 表2 abbreviation (GLBJBSM…), its Chinese name (管理部件标识码…) or the old
 * CJ/T 214 field name (ObjID…; DeptCode1–3/DeptName1–3 are 主管/权属/养护 in that order). Columns that name no field
 * are kept as local extension attributes (§4.4.2 of the standard). Pure but for reading the name table once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DATA_DIR } from '../db/seed.js';

/** The fields of a census row; their column names are in data/component-fields.json. */
export type Field =
  | 'code'
  | 'name'
  | 'owner_code'
  | 'owner_name'
  | 'title_code'
  | 'title_name'
  | 'maintainer_code'
  | 'maintainer_name'
  | 'given_grid_code'
  | 'status'
  | 'initial_date'
  | 'change_date'
  | 'data_source'
  | 'note'
  | 'street_code'
  | 'street_name'
  | 'community_code'
  | 'community_name'
  | 'class'
  | 'lon'
  | 'lat'
  | 'x'
  | 'y'
  | 'accuracy'
  | 'photos';

export const FIELDS = (
  JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'component-fields.json'), 'utf8')) as {
    fields: Record<Field, string[]>;
  }
).fields;

/** 管理部件状态 (GB/T 47678.5 表2). */
export const STATUSES = ['完好', '破损', '丢失', '废弃', '移除'] as const;

/** Full-width parentheses and spaces do not make another column name; Latin names ignore case. */
const normal = (h: string) =>
  h
    .replace(/^\uFEFF/, '')
    .replace(/（/g, '(')
    .replace(/）/g, ')')
    .replace(/\s+/g, '')
    .toLowerCase();

const BY_NAME = new Map<string, Field>();
for (const [field, names] of Object.entries(FIELDS) as [Field, string[]][])
  for (const n of names) BY_NAME.set(normal(n), field);

export interface HeaderMap {
  /** Column index of each field the file has. */
  fields: Partial<Record<Field, number>>;
  /** Columns kept as local extension attributes: index → header. */
  extras: Map<number, string>;
  /** Refusals: a field named by two columns, an empty header. */
  problems: string[];
}

export function mapHeader(headers: string[]): HeaderMap {
  const map: HeaderMap = { fields: {}, extras: new Map(), problems: [] };
  headers.forEach((raw, i) => {
    const h = raw.replace(/^\uFEFF/, '').trim();
    if (h === '') {
      map.problems.push(`column ${i + 1} has no name`);
      return;
    }
    const field = BY_NAME.get(normal(h));
    if (!field) {
      map.extras.set(i, h);
      return;
    }
    const before = map.fields[field];
    if (before !== undefined) {
      map.problems.push(
        `columns ${before + 1} (${headers[before].trim()}) and ${i + 1} (${h}) both give ${FIELDS[field][1]} (${field})`,
      );
      return;
    }
    map.fields[field] = i;
  });
  const has = (f: Field) => map.fields[f] !== undefined;
  if (has('lon') !== has('lat')) map.problems.push('lon and lat come together: the file has only one of them');
  if (has('x') !== has('y')) map.problems.push('X and Y come together: the file has only one of them');
  if (has('lon') && has('x')) map.problems.push('the file has both lon/lat and X/Y columns: keep one pair');
  return map;
}

/** An empty cell, `null` (any case) and a missing column all mean "no value". */
export function cell(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const s = (typeof value === 'string' ? value : String(value)).trim();
  if (s.length === 0) return null;
  return s.length === 4 && s.toLowerCase() === 'null' ? null : s;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** - or / */
const sep = (c: number) => c === 45 || c === 47;

/** The digits at s[i], s[i+1] (…) as a number, or -1 when one is not an ASCII digit. */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** A census date: YYYYMMDD (表2 D8), YYYY-MM-DD or YYYY/MM/DD, an existing day. `{ problem }` otherwise. */
export function censusDate(
  value: string,
): { date: string; problem?: undefined } | { date?: undefined; problem: string } {
  // YYYY, an optional - or /, MM, an optional - or /, DD (read without a regular expression: a million rows have two).
  const n = value.length;
  const y = n >= 8 ? digits(value, 0, 4) : -1;
  let i = 4;
  if (y >= 0 && sep(value.charCodeAt(i))) i++;
  const mo = y >= 0 ? digits(value, i, 2) : -1;
  i += 2;
  if (mo >= 0 && sep(value.charCodeAt(i))) i++;
  const d = mo >= 0 && i + 2 === n ? digits(value, i, 2) : -1;
  if (d >= 0 && y >= 1900 && y <= 2100 && mo >= 1 && mo <= 12) {
    const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
    if (d >= 1 && d <= (mo === 2 && leap ? 29 : DAYS[mo - 1])) {
      const date = n === 10 && value.charCodeAt(4) === 45 && value.charCodeAt(7) === 45 ? value : undefined;
      return {
        date: date ?? `${value.slice(0, 4)}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
      };
    }
  }
  return { problem: `"${value}" is not a date (YYYYMMDD or YYYY-MM-DD, 1900–2100)` };
}

/**
 * Projected coordinates read as easting X and northing Y (China: northings 2,000–6,000 km; eastings about 500 km, or
 * with the 3° zone number in front, e.g. 38,500 km). A "northing" below 1,000 km beside an "easting" above 1,500 km,
 * or a "northing" beyond 10,000 km (a zone-prefixed easting) beside a smaller "easting", means the columns are swapped:
 * the problem names the fix.
 */
export function swappedAxes(x: number, y: number): string | undefined {
  if ((y < 1_000_000 && x > 1_500_000) || (y > 10_000_000 && x < 10_000_000))
    return `X ${x} looks like a northing and Y ${y} like an easting: X (PointX) is the easting and Y (PointY) the northing — swap the two columns`;
  return undefined;
}

/** Longitude/latitude columns swapped: a "latitude" beyond ±90 beside a "longitude" within it. */
export function swappedLonLat(lon: number, lat: number): string | undefined {
  if (Math.abs(lat) > 90 && Math.abs(lon) <= 90 && Math.abs(lat) <= 180)
    return `lat ${lat} is not a latitude and lon ${lon} could be one: the lon and lat columns look swapped`;
  return undefined;
}
