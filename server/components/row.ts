/**
 * One census row → a checked component, or the problems that refuse it. Pure: the file's columns, the catalog, the
 * live districts and the departments come in; nothing touches the database. What needs the database (the grid a
 * position falls in, codes for rows without one, duplicates against the stored census) is done by the import.
 */
import type { Geometry, Position } from 'geojson';
import { classMismatch, parseComponentCode, type ComponentCatalog } from './codes.js';
import { censusDate, cell, FIELDS, STATUSES, swappedAxes, swappedLonLat, type Field } from './fields.js';
import { describeCrs, toLonLat, type CensusCrs } from './census-crs.js';

/** Where a row is: the physical line (CSV, header = line 1), the sheet row (XLSX) or the feature index. */
export type Where = { line: number } | { row: number } | { feature: number };

export const describeWhere = (w: Where) =>
  'line' in w ? `line ${w.line}` : 'row' in w ? `row ${w.row}` : `feature ${w.feature}`;

export interface RowIssue {
  where: Where;
  /** The column (as named in the file) or property the problem is about; null for the row as a whole. */
  column: string | null;
  message: string;
}

export type Status = (typeof STATUSES)[number];

export interface CensusRow {
  where: Where;
  /** Null: the import gives it the next 17-digit code of its district and class. */
  code: string | null;
  cls: string;
  name: string;
  owner_code: string | null;
  owner_name: string;
  title_code: string | null;
  title_name: string;
  maintainer_code: string | null;
  maintainer_name: string;
  given_grid_code: string | null;
  status: Status;
  initial_date: string | null;
  change_date: string | null;
  data_source: string;
  note: string;
  accuracy: 'A' | 'B' | 'C' | null;
  photos: string[];
  extras: Record<string, string>;
  /** EWKT in WGS84 (SRID=4326;POINT(…)). */
  geom: string;
  /** The position (a point's own, a line's or polygon's first vertex) for the duplicate-position check. */
  lon: number;
  lat: number;
  point: boolean;
}

/** One row as the import reads it: a field's raw value, the column naming it, the unmapped columns, a geometry. */
export interface RowSource {
  where: Where;
  get(field: Field): unknown;
  /** The file's name for the column of a field (for messages), or the field's standard name. */
  column(field: Field): string;
  has(field: Field): boolean;
  extras: [string, unknown][];
  /** GeoJSON and Shapefile rows; undefined for tables. */
  geometry?: Geometry | null;
}

export interface Departments {
  nameOf: ReadonlyMap<string, string>;
  codeOf: ReadonlyMap<string, string>;
}

export interface RowContext {
  catalog: ComponentCatalog;
  /** Catalog class names → class, longest first (a name column like "路灯 长青路" names 路灯). */
  classNames: [string, string][];
  districts: ReadonlySet<string>;
  departments: Departments;
  crs: CensusCrs;
}

export interface RowResult {
  row?: CensusRow;
  errors: RowIssue[];
  warnings: RowIssue[];
}

const ROLES = [
  ['owner', '主管部门'],
  ['title', '权属单位'],
  ['maintainer', '养护单位'],
] as const;

export function checkRow(src: RowSource, ctx: RowContext): RowResult {
  const errors: RowIssue[] = [];
  const warnings: RowIssue[] = [];
  const err = (field: Field | null, message: string) =>
    errors.push({ where: src.where, column: field ? src.column(field) : null, message });
  const text = (f: Field) => cell(src.get(f));

  // Class and code.
  const code = text('code');
  const parsed = code === null ? undefined : parseComponentCode(code, ctx.catalog);
  if (parsed?.problem) err('code', parsed.problem);
  if (parsed?.ok && !ctx.districts.has(parsed.ok.district))
    err('code', `the district ${parsed.ok.district} of code ${code} is not a district of this city`);
  const name = text('name') ?? '';
  let cls: string | undefined;
  const classCell = text('class');
  if (classCell !== null) {
    cls = /^\d{5}$/.test(classCell) && ctx.catalog.name(classCell) ? classCell : undefined;
    if (!cls && /^\d{4}$/.test(classCell)) cls = ctx.catalog.fromLegacy(classCell);
    if (!cls)
      err('class', `"${classCell}" is not a component class (5 digits of GB/T 47678.5 表A.1, or a legacy 4-digit one)`);
  } else if (parsed?.ok) cls = parsed.ok.classCode;
  else if (code === null) {
    cls = classOfName(name, ctx.classNames);
    if (!cls)
      err(
        'name',
        name
          ? `no class: "${name}" is not a class name of GB/T 47678.5 表A.1; add a class column (分类代码) or a code`
          : 'no class: the row has no code, no class column and no name',
      );
  }
  if (cls && parsed?.ok) {
    const mismatch = classMismatch(parsed.ok, cls, ctx.catalog);
    if (mismatch) err(classCell !== null ? 'class' : 'code', mismatch);
  }
  if (cls && classCell === null && parsed?.ok) {
    const named = ctx.classNames.find(([n]) => n === name)?.[1];
    if (named && named !== cls) err('name', classMismatch(parsed.ok, named, ctx.catalog)!);
  }

  const status = text('status') ?? '完好';
  if (!(STATUSES as readonly string[]).includes(status))
    err('status', `"${status}" is not a component status (${STATUSES.join(', ')})`);
  const date = (f: Field) => {
    const v = text(f);
    if (v === null) return null;
    const d = censusDate(v);
    if (d.problem) err(f, d.problem);
    return d.date ?? null;
  };
  const initial_date = date('initial_date');
  const change_date = date('change_date');
  if (initial_date && change_date && change_date < initial_date)
    err('change_date', `the change date ${change_date} is before the initial date ${initial_date}`);
  const accuracyCell = text('accuracy');
  const accuracy = accuracyCell === null ? null : accuracyCell.toUpperCase();
  if (accuracy !== null && !['A', 'B', 'C'].includes(accuracy))
    err('accuracy', `"${accuracyCell}" is not a positioning accuracy class (A, B or C)`);
  const given = text('given_grid_code');
  if (given !== null && !/^\d{15}$/.test(given)) err('given_grid_code', `"${given}" is not a 15-digit unit grid code`);

  // Departments: a code this platform knows fills in its name; a known name fills in its code.
  const depts: Record<string, string | null> = {};
  for (const [role, label] of ROLES) {
    let dc = text(`${role}_code`);
    let dn = text(`${role}_name`);
    if (dc !== null && dn === null) dn = ctx.departments.nameOf.get(dc) ?? null;
    if (dc === null && dn !== null) dc = ctx.departments.codeOf.get(dn) ?? null;
    if ((dc !== null || dn !== null) && !(dc !== null && ctx.departments.nameOf.has(dc)))
      warnings.push({
        where: src.where,
        column: src.column(dc !== null && src.has(`${role}_code`) ? `${role}_code` : `${role}_name`),
        message: `unknown ${label} ${[dc, dn].filter((v) => v !== null).join(' ')}: it is stored as given but routes no case`,
      });
    depts[`${role}_code`] = dc;
    depts[`${role}_name`] = dn;
  }

  const position = readPosition(src, ctx.crs, err);
  const extras: Record<string, string> = {};
  for (const [k, v] of src.extras) {
    const s = cell(v);
    if (s !== null) extras[k] = s;
  }
  const photos = readPhotos(text('photos'));
  if (errors.length || !cls || !position) return { errors, warnings };
  return {
    errors,
    warnings,
    row: {
      where: src.where,
      code,
      cls,
      name: name || (ctx.catalog.name(cls) ?? ''),
      owner_code: depts.owner_code,
      owner_name: depts.owner_name ?? '',
      title_code: depts.title_code,
      title_name: depts.title_name ?? '',
      maintainer_code: depts.maintainer_code,
      maintainer_name: depts.maintainer_name ?? '',
      given_grid_code: given,
      status: status as Status,
      initial_date,
      change_date,
      data_source: text('data_source') ?? '',
      note: text('note') ?? '',
      accuracy: accuracy as CensusRow['accuracy'],
      photos,
      extras,
      ...position,
    },
  };
}

/** The class a name column names: the catalog name itself, or the longest class name it begins with. */
export function classOfName(name: string, classNames: [string, string][]): string | undefined {
  const n = name.trim();
  if (!n) return undefined;
  return (classNames.find(([c]) => c === n) ?? classNames.find(([c]) => n.startsWith(c)))?.[1];
}

export type Err = (field: Field | null, message: string) => void;

function readPosition(
  src: RowSource,
  crs: CensusCrs,
  err: Err,
): Pick<CensusRow, 'geom' | 'lon' | 'lat' | 'point'> | undefined {
  const pair: [Field, Field] | undefined =
    src.has('x') && cell(src.get('x')) !== null ? ['x', 'y'] : src.has('lon') ? ['lon', 'lat'] : undefined;
  if (src.geometry && !(pair && cell(src.get(pair[0])) !== null)) return fromGeometry(src.geometry, crs, err);
  if (!pair) {
    err(null, 'no position: give lon/lat or X/Y columns, or a geometry');
    return undefined;
  }
  const [fx, fy] = pair;
  const rx = cell(src.get(fx));
  const ry = cell(src.get(fy));
  if (rx === null || ry === null) {
    err(rx === null ? fx : fy, `no position: ${src.column(rx === null ? fx : fy)} is empty`);
    return undefined;
  }
  const x = Number(rx);
  const y = Number(ry);
  if (!Number.isFinite(x) || !Number.isFinite(y)) {
    const [f, v] = Number.isFinite(x) ? [fy, ry] : [fx, rx];
    err(f, `${src.column(f)} "${v}" is not a number`);
    return undefined;
  }
  const p = convert(x, y, crs, (m) => err(fx, m), src.column(fx), src.column(fy));
  return p && { geom: `SRID=4326;POINT(${p[0]} ${p[1]})`, lon: p[0], lat: p[1], point: true };
}

export function convert(
  x: number,
  y: number,
  crs: CensusCrs,
  err: (m: string) => void,
  xName = 'x',
  yName = 'y',
): [number, number] | undefined {
  if (crs.kind === 'gk') {
    if (Math.abs(x) <= 180 && Math.abs(y) <= 90) {
      err(
        `${xName} ${x}, ${yName} ${y} look like degrees, but the file's CRS is ${describeCrs(crs)} (metres): name its CRS (--crs wgs84, gcj02, bd09…)`,
      );
      return undefined;
    }
    const swapped = swappedAxes(x, y);
    if (swapped) {
      err(swapped);
      return undefined;
    }
    const [lon, lat] = toLonLat(crs, x, y);
    if (!(Math.abs(lon) <= 180 && Math.abs(lat) <= 90) || !Number.isFinite(lon)) {
      err(`${xName} ${x}, ${yName} ${y} are not a position of ${describeCrs(crs)}`);
      return undefined;
    }
    return [round7(lon), round7(lat)];
  }
  if (Math.abs(x) > 180 || Math.abs(y) > 90) {
    const swapped = swappedLonLat(x, y);
    if (swapped) err(swapped);
    else if (Math.abs(x) > 1000 && Math.abs(y) > 1000)
      err(
        `${xName} ${x}, ${yName} ${y} are metres, not degrees: name the projection (--crs EPSG:4513–4554, CGCS2000 3° Gauss–Krüger)`,
      );
    else err(`${xName} ${x}, ${yName} ${y} are not a longitude and latitude`);
    return undefined;
  }
  const [lon, lat] = toLonLat(crs, x, y);
  return [round7(lon), round7(lat)];
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

const GEOMETRY_TYPES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'];

export function fromGeometry(
  g: Geometry,
  crs: CensusCrs,
  err: Err,
): Pick<CensusRow, 'geom' | 'lon' | 'lat' | 'point'> | undefined {
  const fail = (m: string) => {
    err(null, m);
    return undefined;
  };
  if (!GEOMETRY_TYPES.includes(g.type))
    return fail(`a component is a point, line or polygon; the geometry is ${JSON.stringify(String(g.type))}`);
  let coords = (g as { coordinates?: unknown }).coordinates;
  let type = g.type as 'Point' | 'MultiPoint' | 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon';
  if (type === 'MultiPoint' && Array.isArray(coords) && coords.length === 1) {
    type = 'Point';
    coords = coords[0];
  }
  if (type === 'MultiPoint') return fail('a component is one point; the geometry is a MultiPoint of several');
  const depth = { Point: 0, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 }[type]!;
  let first: [number, number] | undefined;
  let problem: string | undefined;
  const walk = (c: unknown, d: number): string | undefined => {
    if (problem) return undefined;
    if (!Array.isArray(c) || (d > 0 && c.length === 0)) {
      problem = `the ${type}'s coordinates are malformed`;
      return undefined;
    }
    if (d > 0) {
      const parts = c.map((x) => walk(x, d - 1));
      return `(${parts.join(',')})`;
    }
    const [x, y] = c as Position;
    if (c.length < 2 || typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x + y)) {
      problem = `the ${type}'s coordinates are malformed`;
      return undefined;
    }
    const p = convert(x, y, crs, (m) => (problem = m));
    if (!p) return undefined;
    first ??= p;
    return `${p[0]} ${p[1]}`;
  };
  const body = walk(coords, depth);
  if (problem || body === undefined || !first) return fail(problem ?? `the ${type}'s coordinates are malformed`);
  const wktType = type.toUpperCase();
  return {
    geom: `SRID=4326;${wktType}${type === 'Point' ? `(${body})` : body}`,
    lon: first[0],
    lat: first[1],
    point: type === 'Point',
  };
}

/** Standard names of the fields (the 表2 abbreviation first) — for messages about a missing column. */
export const standardName = (f: Field) => FIELDS[f][0];

/** Photo references: separated by ';' (or '；'), or a JSON array of strings as the export writes them. */
export function readPhotos(v: string | null): string[] {
  if (v === null) return [];
  if (v.startsWith('[')) {
    try {
      const a: unknown = JSON.parse(v);
      if (Array.isArray(a) && a.every((x) => typeof x === 'string')) return a.map((x) => x.trim()).filter(Boolean);
    } catch {
      // not JSON: read as a list
    }
  }
  return v
    .split(/[;；]/)
    .map((p) => p.trim())
    .filter(Boolean);
}
