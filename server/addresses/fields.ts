/**
 * The columns of an address gazetteer file (CSV, XLSX, Shapefile .dbf, GeoJSON properties): kind (road, doorplate or
 * landmark), name, road, number, building, alias (several separated by ';'), former (a road's former names, each
 * optionally `name@YYYY-MM-DD`, the day it ended), a landmark category, and a position where there is no geometry:
 * lon/lat, X/Y, or a WKT geometry (roads and polygons in CSV/XLSX). Names are in data/address-fields.json. Pure but for reading it once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DATA_DIR } from '../db/seed.js';

export type AddressField =
  | 'kind'
  | 'name'
  | 'road'
  | 'number'
  | 'building'
  | 'alias'
  | 'former'
  | 'category'
  | 'lon'
  | 'lat'
  | 'x'
  | 'y'
  | 'wkt';

export const ADDRESS_FIELDS = (
  JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'address-fields.json'), 'utf8')) as {
    fields: Record<AddressField, string[]>;
  }
).fields;

export const KINDS = ['road', 'doorplate', 'landmark'] as const;
export type AddressKind = (typeof KINDS)[number];
/** Chinese kind names accepted in the kind column. */
const KIND_NAMES: Record<string, AddressKind> = {
  road: 'road',
  doorplate: 'doorplate',
  landmark: 'landmark',
  道路: 'road',
  街路巷: 'road',
  街巷: 'road',
  门牌: 'doorplate',
  楼牌: 'doorplate',
  兴趣点: 'landmark',
  标志物: 'landmark',
  地标: 'landmark',
};
export const kindOf = (v: string): AddressKind | undefined =>
  KIND_NAMES[v.trim().toLowerCase()] ?? KIND_NAMES[v.trim()];

const normal = (h: string) =>
  h
    .replace(/^\uFEFF/, '')
    .replace(/\s+/g, '')
    .toLowerCase();
const BY_NAME = new Map<string, AddressField>();
for (const [field, names] of Object.entries(ADDRESS_FIELDS) as [AddressField, string[]][])
  for (const n of names) BY_NAME.set(normal(n), field);

export interface AddressHeader {
  fields: Partial<Record<AddressField, number>>;
  problems: string[];
}

/** Maps header cells to fields; unknown columns are ignored (the gazetteer keeps no extra attributes). */
export function mapAddressHeader(headers: string[]): AddressHeader {
  const map: AddressHeader = { fields: {}, problems: [] };
  headers.forEach((raw, i) => {
    const field = BY_NAME.get(normal(raw));
    if (!field) return;
    const before = map.fields[field];
    if (before !== undefined) {
      map.problems.push(
        `columns ${before + 1} (${headers[before].trim()}) and ${i + 1} (${raw.trim()}) both give ${field}`,
      );
      return;
    }
    map.fields[field] = i;
  });
  const has = (f: AddressField) => map.fields[f] !== undefined;
  if (has('lon') !== has('lat')) map.problems.push('lon and lat come together: the file has only one of them');
  if (has('x') !== has('y')) map.problems.push('X and Y come together: the file has only one of them');
  return map;
}
