/**
 * One gazetteer row → a checked road, doorplate or landmark, or the problems that refuse it. Pure.
 *
 * - kind: road | doorplate | landmark (or 道路/门牌/兴趣点…); without a kind column a row with a number is a doorplate,
 *   a line is a road, anything else a landmark.
 * - road: name, a line geometry, aliases, former names (`former`: 长青路@2026-06-30;旧街 — each with the day it
 *   ended, or none: the day of the import); doorplate: road, number (a string: '12', '12-1'; full-width digits and a
 *   trailing 号/号院 are normalised), optional building (号楼/栋/幢 stripped), a point; landmark: name, aliases,
 *   category, a point or polygon. Positions convert from the file's CRS like the census (lon/lat or X/Y columns, a
 *   WKT geometry in a `wkt` column, or the geometry of GeoJSON/Shapefile features).
 */
import type { Geometry } from 'geojson';
import { cell, censusDate } from '../components/fields.js';
import type { CensusCrs } from '../geo/file-crs.js';
import { convert, fromGeometry, type RowIssue, type Where } from '../components/row.js';
import { kindOf, type AddressField, type AddressKind } from './fields.js';
import { parseWkt } from './wkt.js';

export interface AddressSource {
  where: Where;
  get(field: AddressField): unknown;
  column(field: AddressField): string;
  geometry?: Geometry | null;
}

export interface AddressRow {
  where: Where;
  kind: AddressKind;
  /** Road: its name; landmark: its name; doorplate: the road's name. */
  name: string;
  number: string | null;
  number_int: number | null;
  building: string;
  aliases: string[];
  /** A road's former names, each with the day it ended (null: the day of the import). */
  former: FormerName[];
  category: string;
  /** EWKT in WGS84. */
  geom: string;
}

export interface FormerName {
  name: string;
  /** YYYY-MM-DD, or null for the day of the import. */
  until: string | null;
}

/** Full-width forms to ASCII, spaces out. */
export const halfWidth = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');

/** A house number as stored: '12', '12-1' (from １２号, 12号院, 12之1号…). Undefined when it holds no digit. */
export function houseNumber(v: string): { number: string; int: number } | undefined {
  const n = halfWidth(v)
    .replace(/(号院|号)$/, '')
    .replace(/之/g, '-');
  const m = /^(\d+)(-\d+)?$/.exec(n);
  return m ? { number: n, int: Number(m[1]) } : undefined;
}

/** A building plate inside a doorplate: '3' from 3号楼, 3栋, 3幢, 3座. */
export const buildingOf = (v: string) => halfWidth(v).replace(/(号楼|栋|幢|座|楼)$/, '');

export function checkAddressRow(src: AddressSource, crs: CensusCrs): { row?: AddressRow; errors: RowIssue[] } {
  const errors: RowIssue[] = [];
  const err = (field: AddressField | null, message: string) =>
    errors.push({ where: src.where, column: field ? src.column(field) : null, message });
  const text = (f: AddressField) => cell(src.get(f));

  const kindCell = text('kind');
  const numberCell = text('number');
  const geomType = src.geometry?.type;
  let kind: AddressKind | undefined;
  if (kindCell !== null) {
    kind = kindOf(kindCell);
    if (!kind) err('kind', `"${kindCell}" is not an address kind (road, doorplate or landmark)`);
  } else kind = numberCell !== null ? 'doorplate' : /LineString/.test(geomType ?? '') ? 'road' : 'landmark';

  const name = text('name');
  const road = text('road');
  const list = (f: AddressField) =>
    (text(f) ?? '')
      .split(/[;；]/)
      .map((a) => a.trim())
      .filter(Boolean);
  const aliases = list('alias');
  const former: FormerName[] = [];
  const formerCells = list('former');
  if (formerCells.length && kind && kind !== 'road')
    err('former', `only a road keeps former names; give the old names of a ${kind} as aliases`);
  else
    for (const item of formerCells) {
      const at = item.search(/[@＠]/);
      const fname = halfWidth(at < 0 ? item : item.slice(0, at));
      let until: string | null = null;
      if (at >= 0) {
        const d = censusDate(halfWidth(item.slice(at + 1)));
        if (d.problem !== undefined) err('former', `${fname}: ${d.problem}`);
        else until = d.date;
      }
      if (!fname) err('former', `"${item}" has no name before the @`);
      else if (fname.length > 100) err('former', `"${fname.slice(0, 20)}…" is longer than 100 characters`);
      else if (name !== null && fname === halfWidth(name)) err('former', `${fname} is the road's current name`);
      else if (aliases.some((a) => halfWidth(a) === fname))
        err('former', `${fname} is given as an alias and as a former name`);
      else if (former.some((f) => f.name === fname)) err('former', `${fname} is given twice`);
      else former.push({ name: fname, until });
    }
  let number: ReturnType<typeof houseNumber>;
  let building = '';
  if (kind === 'doorplate') {
    if (road === null) err('road', 'a doorplate needs its road');
    if (numberCell === null) err('number', 'a doorplate needs its number');
    else {
      number = houseNumber(numberCell);
      if (!number) err('number', `"${numberCell}" is not a house number (e.g. 12, 12-1, 12号)`);
    }
    const b = text('building');
    if (b !== null) building = buildingOf(b);
    if (building.length > 20) err('building', `the building "${b}" is longer than 20 characters`);
  } else if (kind && name === null) err('name', `a ${kind} needs its name`);
  const label = kind === 'doorplate' ? (road ?? '') : (name ?? '');
  if (label.length > 100)
    err(kind === 'doorplate' ? 'road' : 'name', `"${label.slice(0, 20)}…" is longer than 100 characters`);

  // Position: the geometry, else a WKT column, else lon/lat or X/Y.
  let geom: string | undefined;
  const gErr = (_f: unknown, m: string) => err(null, m);
  let geometry = src.geometry ?? undefined;
  const wkt = geometry ? null : text('wkt');
  if (wkt !== null) {
    const w = parseWkt(wkt);
    if ('problem' in w) err('wkt', w.problem);
    else geometry = w.geometry;
  }
  if (geometry) {
    const g = fromGeometry(geometry, crs, gErr);
    if (g) {
      const t = geometry.type;
      if (kind === 'road' && !/LineString/.test(t)) err(null, `a road is a line; the geometry is a ${t}`);
      else if (kind === 'doorplate' && !g.point) err(null, `a doorplate is a point; the geometry is a ${t}`);
      else if (kind === 'landmark' && /LineString/.test(t))
        err(null, `a landmark is a point or a polygon; the geometry is a ${t}`);
      geom =
        kind === 'road' && t === 'LineString' ? g.geom.replace(';LINESTRING(', ';MULTILINESTRING((') + ')' : g.geom;
    }
  } else if (wkt === null) {
    const pair: [AddressField, AddressField] | undefined =
      text('x') !== null ? ['x', 'y'] : text('lon') !== null ? ['lon', 'lat'] : undefined;
    if (!pair)
      err(
        null,
        kind === 'road'
          ? 'a road needs a line geometry (GeoJSON, Shapefile, or WKT in a wkt column)'
          : 'no position: give lon/lat or X/Y, or a geometry (WKT in a wkt column)',
      );
    else if (kind === 'road')
      err(null, 'a road needs a line geometry (GeoJSON, Shapefile, or WKT in a wkt column), not a point');
    else {
      const [fx, fy] = pair;
      const x = Number(text(fx));
      const y = Number(text(fy));
      if (!Number.isFinite(x) || !Number.isFinite(y))
        err(
          Number.isFinite(x) ? fy : fx,
          `${src.column(Number.isFinite(x) ? fy : fx)} "${text(Number.isFinite(x) ? fy : fx)}" is not a number`,
        );
      else {
        const p = convert(x, y, crs, (m) => err(fx, m), src.column(fx), src.column(fy));
        if (p) geom = `SRID=4326;POINT(${p[0]} ${p[1]})`;
      }
    }
  }
  if (errors.length || !kind || !geom) return { errors };
  return {
    errors,
    row: {
      where: src.where,
      kind,
      name: halfWidth(label),
      number: number?.number ?? null,
      number_int: number?.int ?? null,
      building,
      aliases,
      former,
      category: text('category') ?? '',
      geom,
    },
  };
}
