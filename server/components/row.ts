/**
 * One census row → a checked component, or the problems that refuse it. Pure: the file's columns, the catalog, the
 * live districts and the departments come in; nothing touches the database. What needs the database (the grid a
 * position falls in, codes for rows without one, duplicates within the file and against the stored census) is done
 * by the import on the staging table.
 *
 * A `RowChecker` is compiled once per header (per set of property names for GeoJSON and Shapefile features) and checks
 * a million rows in one tight pass: fields are read by column index, problems go straight to the import's sink, and a
 * checked row is written into one reused `CensusRow` that the stage copies out before the next row is checked.
 */
import type { Geometry } from 'geojson';
import { classMismatch, parseComponentCode, type ComponentCatalog } from './codes.js';
import { censusDate, cell, FIELDS, STATUSES, type Field, type HeaderMap } from './fields.js';
import type { CensusCrs } from '../geo/file-crs.js';
import { classOfName, convert, fromGeometry, readPhotos, round7 } from './row-values.js';

export { classOfName, convert, fromGeometry, readPhotos, standardName, type Err } from './row-values.js';

/** Where a row is: the physical line (CSV, header = line 1), the sheet row (XLSX) or the feature index. */
export type Where = { line: number } | { row: number } | { feature: number };

export const describeWhere = (w: Where) =>
  'line' in w ? `line ${w.line}` : 'row' in w ? `row ${w.row}` : `feature ${w.feature}`;

/** The number in a Where (line, row or feature index). */
export const whereNumber = (w: Where) => ('line' in w ? w.line : 'row' in w ? w.row : w.feature);

export interface RowIssue {
  where: Where;
  /** The column (as named in the file) or property the problem is about; null for the row as a whole. */
  column: string | null;
  message: string;
}

export type Status = (typeof STATUSES)[number];

/** A checked row, as staged. The checker reuses one object: copy what you need before checking the next row. */
export interface CensusRow {
  /** The line, sheet row or feature index. */
  wn: number;
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
  status: string;
  /** YYYY-MM-DD. */
  initial_date: string | null;
  change_date: string | null;
  data_source: string;
  note: string;
  accuracy: string | null;
  /** JSON array of photo references, or null for none. */
  photos: string | null;
  /** JSON object of the local extension attributes, or null for none. */
  extras: string | null;
  /** WGS84: the point, or a line's or polygon's first vertex. */
  lon: number;
  lat: number;
  /** lon and lat as the file writes them when that is their exact decimal (to 1e-7°), else null. */
  lonText: string | null;
  latText: string | null;
  /** EWKT (SRID=4326) of a line or polygon; null for a point (lon, lat). */
  geom: string | null;
  point: boolean;
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

/** Where the checker reports problems. */
export interface IssueSink {
  error(issue: RowIssue): void;
  warning(issue: RowIssue): void;
}

const ALL_FIELDS = Object.keys(FIELDS) as Field[];
/** Field → its position in ALL_FIELDS: the checker reads columns through an index array, not by field name. */
const F = Object.fromEntries(ALL_FIELDS.map((f, i) => [f, i])) as Record<Field, number>;
const DIGITS = /^\d+$/;
const DECIMAL7 = /^-?\d{1,3}(\.\d{1,7})?$/;
const ROLES = [
  [F.owner_code, F.owner_name, '主管部门'],
  [F.title_code, F.title_name, '权属单位'],
  [F.maintainer_code, F.maintainer_name, '养护单位'],
] as const;

export class RowChecker {
  /** Column index of each field (by F), -1 when the file has none. */
  private readonly at = new Int32Array(ALL_FIELDS.length);
  /** The file's name for each field's column (for messages), or the field's standard name. */
  private readonly names: string[] = [];
  private readonly extras: [number, string][];
  private readonly byName: Map<string, string>;
  private readonly classCells = new Map<string, string | undefined>();
  private readonly classOfNames = new Map<string, string | undefined>();
  private readonly lonLat: boolean;
  private values: ArrayLike<unknown> = [];
  private where: Where = { line: 0 };
  private failed = false;
  /** The field a position problem is about (for the error callbacks made once below). */
  private positionField = F.x;
  private readonly positionError = (m: string) => this.err(this.positionField, m);
  private readonly geometryError = (f: Field | null, m: string) => this.err(f === null ? null : F[f], m);
  private readonly departments = { code: null as string | null, name: null as string | null };
  private readonly row: CensusRow = {
    wn: 0,
    code: null,
    cls: '',
    name: '',
    owner_code: null,
    owner_name: '',
    title_code: null,
    title_name: '',
    maintainer_code: null,
    maintainer_name: '',
    given_grid_code: null,
    status: '',
    initial_date: null,
    change_date: null,
    data_source: '',
    note: '',
    accuracy: null,
    photos: null,
    extras: null,
    lon: 0,
    lat: 0,
    lonText: null,
    latText: null,
    geom: null,
    point: true,
  };

  constructor(
    map: HeaderMap,
    columns: string[],
    private readonly ctx: RowContext,
    private readonly sink: IssueSink,
  ) {
    for (const f of ALL_FIELDS) {
      const i = map.fields[f];
      this.at[F[f]] = i === undefined ? -1 : i;
      this.names[F[f]] = i === undefined ? FIELDS[f][0] : columns[i].trim();
    }
    this.extras = [...map.extras];
    // The first class of each name in the longest-first order (as a search of classNames finds it).
    this.byName = new Map();
    for (const [n, c] of ctx.classNames) if (!this.byName.has(n)) this.byName.set(n, c);
    this.lonLat = ctx.crs.kind === 'lonlat' && (ctx.crs.name === 'wgs84' || ctx.crs.name === 'cgcs2000');
  }

  private text(f: number): string | null {
    const i = this.at[f];
    return i < 0 ? null : cell(this.values[i]);
  }

  private err(f: number | null, message: string): void {
    this.failed = true;
    this.sink.error({ where: this.where, column: f === null ? null : this.names[f], message });
  }

  /** Checks one row (values by column index; a feature's geometry): the checked row, or undefined when refused. */
  check(values: ArrayLike<unknown>, where: Where, geometry?: Geometry | null): CensusRow | undefined {
    this.values = values;
    this.where = where;
    this.failed = false;
    const { ctx } = this;
    const r = this.row;

    // Class and code.
    const code = this.text(F.code);
    const parsed = code === null ? undefined : parseComponentCode(code, ctx.catalog);
    if (parsed?.problem) this.err(F.code, parsed.problem);
    if (parsed?.ok && !ctx.districts.has(parsed.ok.district))
      this.err(F.code, `the district ${parsed.ok.district} of code ${code} is not a district of this city`);
    const name = this.text(F.name) ?? '';
    let cls: string | undefined;
    const classCell = this.text(F.class);
    if (classCell !== null) {
      cls = this.classOfCell(classCell);
      if (!cls)
        this.err(
          F.class,
          `"${classCell}" is not a component class (5 digits of GB/T 47678.5 表A.1, or a legacy 4-digit one)`,
        );
    } else if (parsed?.ok) cls = parsed.ok.classCode;
    else if (code === null) {
      cls = this.classOfName(name);
      if (!cls)
        this.err(
          F.name,
          name
            ? `no class: "${name}" is not a class name of GB/T 47678.5 表A.1; add a class column (分类代码) or a code`
            : 'no class: the row has no code, no class column and no name',
        );
    }
    if (cls && parsed?.ok) {
      const mismatch = classMismatch(parsed.ok, cls, ctx.catalog);
      if (mismatch) this.err(classCell !== null ? F.class : F.code, mismatch);
    }
    if (cls && classCell === null && parsed?.ok) {
      const named = this.byName.get(name);
      if (named && named !== cls) this.err(F.name, classMismatch(parsed.ok, named, ctx.catalog)!);
    }

    const status = this.text(F.status) ?? '完好';
    if (!(STATUSES as readonly string[]).includes(status))
      this.err(F.status, `"${status}" is not a component status (${STATUSES.join(', ')})`);
    const initial = this.date(F.initial_date);
    const change = this.date(F.change_date);
    if (initial && change && change < initial)
      this.err(F.change_date, `the change date ${change} is before the initial date ${initial}`);
    const accuracyCell = this.text(F.accuracy);
    const accuracy = accuracyCell === null ? null : accuracyCell.toUpperCase();
    if (accuracy !== null && accuracy !== 'A' && accuracy !== 'B' && accuracy !== 'C')
      this.err(F.accuracy, `"${accuracyCell}" is not a positioning accuracy class (A, B or C)`);
    const given = this.text(F.given_grid_code);
    if (given !== null && !(given.length === 15 && DIGITS.test(given)))
      this.err(F.given_grid_code, `"${given}" is not a 15-digit unit grid code`);

    // Departments: a code this platform knows fills in its name; a known name fills in its code.
    const d = this.departments;
    this.department(ROLES[0]);
    r.owner_code = d.code;
    r.owner_name = d.name ?? '';
    this.department(ROLES[1]);
    r.title_code = d.code;
    r.title_name = d.name ?? '';
    this.department(ROLES[2]);
    r.maintainer_code = d.code;
    r.maintainer_name = d.name ?? '';

    const positioned = this.position(geometry);
    let extras: Record<string, string> | undefined;
    for (const [i, h] of this.extras) {
      const s = cell(values[i]);
      if (s !== null) (extras ??= {})[h] = s;
    }
    const photos = this.at[F.photos] < 0 ? [] : readPhotos(this.text(F.photos));
    if (this.failed || !cls || !positioned) return undefined;
    r.wn = whereNumber(where);
    r.code = code;
    r.cls = cls;
    r.name = name || (ctx.catalog.name(cls) ?? '');
    r.given_grid_code = given;
    r.status = status;
    r.initial_date = initial;
    r.change_date = change;
    r.data_source = this.text(F.data_source) ?? '';
    r.note = this.text(F.note) ?? '';
    r.accuracy = accuracy;
    r.photos = photos.length ? JSON.stringify(photos) : null;
    r.extras = extras ? JSON.stringify(extras) : null;
    return r;
  }

  /** One role's department code and name into this.departments (a warning when this platform does not know it). */
  private department([codeField, nameField, label]: (typeof ROLES)[number]): void {
    const { nameOf, codeOf } = this.ctx.departments;
    let dc = this.text(codeField);
    let dn = this.text(nameField);
    if (dc !== null || dn !== null) {
      if (dc !== null && dn === null) dn = nameOf.get(dc) ?? null;
      if (dc === null && dn !== null) dc = codeOf.get(dn) ?? null;
      if (!(dc !== null && nameOf.has(dc)))
        this.sink.warning({
          where: this.where,
          column: this.names[dc !== null && this.at[codeField] >= 0 ? codeField : nameField],
          message: `unknown ${label} ${[dc, dn].filter((v) => v !== null).join(' ')}: it is stored as given but routes no case`,
        });
    }
    this.departments.code = dc;
    this.departments.name = dn;
  }

  private date(f: number): string | null {
    const v = this.text(f);
    if (v === null) return null;
    const d = censusDate(v);
    if (d.problem) this.err(f, d.problem);
    return d.date ?? null;
  }

  private classOfCell(v: string): string | undefined {
    const known = this.classCells.get(v);
    if (known !== undefined || this.classCells.has(v)) return known;
    const { catalog } = this.ctx;
    let cls = /^\d{5}$/.test(v) && catalog.name(v) ? v : undefined;
    if (!cls && /^\d{4}$/.test(v)) cls = catalog.fromLegacy(v);
    if (this.classCells.size < 10_000) this.classCells.set(v, cls);
    return cls;
  }

  private classOfName(name: string): string | undefined {
    const known = this.classOfNames.get(name);
    if (known !== undefined || this.classOfNames.has(name)) return known;
    const cls = classOfName(name, this.ctx.classNames);
    if (this.classOfNames.size < 10_000) this.classOfNames.set(name, cls);
    return cls;
  }

  /** The position into the row (lon, lat, geom, point); false when refused. */
  private position(geometry: Geometry | null | undefined): boolean {
    const r = this.row;
    const xy = this.at[F.x] >= 0 && this.text(F.x) !== null;
    const fx = xy ? F.x : this.at[F.lon] >= 0 ? F.lon : -1;
    if (geometry && !(fx >= 0 && this.text(fx) !== null)) {
      const g = fromGeometry(geometry, this.ctx.crs, this.geometryError);
      if (!g) return false;
      r.lon = g.lon;
      r.lat = g.lat;
      r.lonText = r.latText = null;
      r.point = g.point;
      r.geom = g.point ? null : g.geom;
      return true;
    }
    if (fx < 0) {
      this.err(null, 'no position: give lon/lat or X/Y columns, or a geometry');
      return false;
    }
    const fy = xy ? F.y : F.lat;
    const rx = this.text(fx);
    const ry = this.text(fy);
    if (rx === null || ry === null) {
      const f = rx === null ? fx : fy;
      this.err(f, `no position: ${this.names[f]} is empty`);
      return false;
    }
    const x = Number(rx);
    const y = Number(ry);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      const [f, v] = Number.isFinite(x) ? [fy, ry] : [fx, rx];
      this.err(f, `${this.names[f]} "${v}" is not a number`);
      return false;
    }
    if (this.lonLat && Math.abs(x) <= 180 && Math.abs(y) <= 90) {
      // WGS84 or CGCS2000 degrees within range: stored as given (to 1e-7°), without the general conversion.
      r.lon = round7(x);
      r.lat = round7(y);
      // A decimal of at most 7 places is the number round7 gives: its text is staged as written (PostgreSQL reads
      // it to the same double), sparing a conversion back to text.
      r.lonText = DECIMAL7.test(rx) ? rx : null;
      r.latText = DECIMAL7.test(ry) ? ry : null;
    } else {
      this.positionField = fx;
      const p = convert(x, y, this.ctx.crs, this.positionError, this.names[fx], this.names[fy]);
      if (!p) return false;
      r.lon = p[0];
      r.lat = p[1];
      r.lonText = r.latText = null;
    }
    r.geom = null;
    r.point = true;
    return true;
  }
}
