/** Helpers of the Shapefile and GeoPackage tests: files built with our own writers, unzipping, database snapshots. */
import type { Position } from 'geojson';
import { sql } from 'kysely';
import { unzipSync, zipSync } from 'fflate';
import type { Database } from '../../server/db/index.js';
import { GeoPackageWriter } from '../../server/files/gpkg.js';
import { CPG_TEXT, PolygonShapefileWriter, dbfBytes, type DbfField } from '../../server/files/shp-write.js';
import type { Encoding } from '../../server/files/text.js';
import { esriWkt, fromLonLat, ogcWkt, epsgOf, type CensusCrs } from '../../server/geo/file-crs.js';
import type { microCity } from '../fixtures/micro-city.js';

export type FC = ReturnType<typeof microCity>;
type Feature = FC['features'][number];

export const CGCS2000: CensusCrs = { kind: 'lonlat', name: 'cgcs2000' };
export const gk = (epsg: number): CensusCrs => ({ kind: 'gk', epsg });

function polygonsIn(f: Feature, crs: CensusCrs): Position[][][] {
  const g = f.geometry as { type: string; coordinates: unknown };
  const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Position[][][];
  return polygons.map((rings) => rings.map((ring) => ring.map(([x, y]) => fromLonLat(crs, x, y))));
}

export async function collectBytes(gen: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of gen) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}

export interface ShpOptions {
  crs?: CensusCrs;
  encoding?: Encoding;
  /** Write the .cpg (default true) and the .prj (default true). */
  cpg?: boolean;
  prj?: boolean;
  layer?: string;
  /** Attribute names: [code, name, level] (default code, name, level). */
  fields?: [string, string, string];
}

/** The files (name → bytes) of one Shapefile layer of the features, written with our writer. */
export async function shapefileFiles(features: Feature[], o: ShpOptions = {}): Promise<Record<string, Uint8Array>> {
  const crs = o.crs ?? CGCS2000;
  const encoding = o.encoding ?? 'utf8';
  const layer = o.layer ?? 'micro_city';
  const [c, n, l] = o.fields ?? ['code', 'name', 'level'];
  const writer = await PolygonShapefileWriter.create();
  for (const f of features) await writer.add(polygonsIn(f, crs));
  const shp = await writer.finish();
  const body = await collectBytes(shp.body());
  await shp.remove();
  const fields: DbfField[] = [
    { name: c, type: 'C' },
    { name: n, type: 'C' },
    { name: l, type: 'C' },
  ];
  const files: Record<string, Uint8Array> = {
    [`${layer}.shp`]: new Uint8Array(Buffer.concat([shp.shpHeader, body])),
    [`${layer}.shx`]: shp.shx,
    [`${layer}.dbf`]: dbfBytes(
      fields,
      features.map((f) => [f.properties.code, f.properties.name, f.properties.level]),
      encoding,
    ),
  };
  if (o.cpg !== false) files[`${layer}.cpg`] = new TextEncoder().encode(CPG_TEXT[encoding]);
  if (o.prj !== false) files[`${layer}.prj`] = new TextEncoder().encode(esriWkt(crs));
  return files;
}

export async function shapefileZip(features: Feature[], o: ShpOptions = {}): Promise<Uint8Array> {
  return zipSync(await shapefileFiles(features, o));
}

/** A GeoPackage with one table per entry of `tables`, written with our writer. */
export async function geoPackage(tables: Record<string, Feature[]>, crs: CensusCrs = CGCS2000): Promise<Uint8Array> {
  const w = await GeoPackageWriter.create();
  const srsId = epsgOf(crs)!;
  const { name, wkt } = ogcWkt(crs);
  if (srsId !== 4326) w.addSrs(srsId, name, wkt);
  for (const [table, features] of Object.entries(tables)) {
    const t = w.addLayer(
      table,
      [
        { name: 'code', type: 'TEXT' },
        { name: 'name', type: 'TEXT' },
        { name: 'level', type: 'TEXT' },
      ],
      srsId,
    );
    for (const f of features) t.insert(polygonsIn(f, crs), [f.properties.code, f.properties.name, f.properties.level]);
    t.finish();
  }
  return w.bytes();
}

export const unzip = (bytes: Uint8Array) => unzipSync(bytes);

/** Live regions and grids: code, name, area and the geometry's WKB in hex (exact comparison). */
export async function snapshot(database: Database) {
  return (
    await sql<{ code: string; name: string; area_m2: number; wkb: string }>`
      select code, name, area_m2, encode(ST_AsBinary(geom), 'hex') as wkb from region where termination_date is null
      union all
      select code, name, area_m2, encode(ST_AsBinary(geom), 'hex') from unit_grid where termination_date is null
      order by code`.execute(database.db)
  ).rows;
}

export async function counts(database: Database) {
  const r = await sql<{ regions: number; grids: number; audits: number }>`select
    (select count(*)::int from region) as regions, (select count(*)::int from unit_grid) as grids,
    (select count(*)::int from audit_event) as audits`.execute(database.db);
  return r.rows[0];
}

/** Every level 'unchanged': what importing the micro-city again in another format must give. */
export const ALL_UNCHANGED = {
  district: { inserted: 0, replaced: 0, unchanged: 1 },
  street: { inserted: 0, replaced: 0, unchanged: 2 },
  community: { inserted: 0, replaced: 0, unchanged: 4 },
  grid: { inserted: 0, replaced: 0, unchanged: 13 },
};
