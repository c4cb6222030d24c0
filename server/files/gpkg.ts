/**
 * GeoPackage (OGC 12-128r18, version 1.3) feature tables, read and written through sql.js — SQLite compiled to
 * WebAssembly, shipped inside the npm package, so nothing is built or downloaded at install time (better-sqlite3
 * would fetch a prebuilt binary or compile one). sql.js holds the database in memory: a GeoPackage is read from its
 * bytes and written out as bytes, bounded by the file's size.
 *
 * Reading: the `features` rows of gpkg_contents with their gpkg_geometry_columns entry; each row's attributes (all
 * columns but the geometry) and its geometry from the GeoPackageBinary blob (wkb.ts); the layer's srs from
 * gpkg_spatial_ref_sys. Writing: the three required metadata tables, the spec's required srs rows (-1, 0, 4326) and
 * one MultiPolygon table per layer.
 */
import type { Geometry, Position } from 'geojson';
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import { FileProblem } from './common.js';
import { WkbError, boundsOf, gpkgMultiPolygon, gpkgToGeoJson } from './wkb.js';

const SQLITE_MAGIC = 'SQLite format 3\0';
/** PRAGMA application_id of a GeoPackage ("GPKG") and user_version of version 1.3.0. */
const APPLICATION_ID = 0x47504b47;
const USER_VERSION = 10300;

let sqlJs: Promise<SqlJsStatic> | undefined;
const engine = () => (sqlJs ??= initSqlJs());

export function isSqlite(head: Uint8Array): boolean {
  if (head.byteLength < 16) return false;
  for (let i = 0; i < 16; i++) if (head[i] !== SQLITE_MAGIC.charCodeAt(i)) return false;
  return true;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export interface GpkgSrs {
  srsId: number;
  name: string;
  organization: string;
  organizationId: number;
  definition: string;
}

export interface GpkgLayer {
  table: string;
  geometryColumn: string;
  geometryType: string;
  srs: GpkgSrs | undefined;
  count: number;
}

export interface GpkgRecord {
  /** 0-based row in the table (by rowid). */
  row: number;
  properties: Record<string, unknown>;
  geometry: Geometry | null;
  /** Why the geometry could not be read. */
  problem?: string;
}

export interface OpenedGeoPackage {
  layers: GpkgLayer[];
  records(layer: GpkgLayer): Iterable<GpkgRecord>;
  close(): void;
}

function rows(db: Database, sql: string, params: SqlValue[] = []): Record<string, SqlValue>[] {
  const stmt = db.prepare(sql, params);
  try {
    const out: Record<string, SqlValue>[] = [];
    while (stmt.step()) out.push(stmt.getAsObject());
    return out;
  } finally {
    stmt.free();
  }
}

/** Opens a GeoPackage from its bytes. Throws FileProblem when it is not one or has no feature table. */
export async function openGeoPackage(bytes: Uint8Array): Promise<OpenedGeoPackage> {
  if (!isSqlite(bytes)) throw new FileProblem('the file is not a GeoPackage: it is not an SQLite database');
  const SQL = await engine();
  let db: Database;
  try {
    db = new SQL.Database(bytes);
    db.exec('select count(*) from sqlite_master');
  } catch (err) {
    throw new FileProblem(`the GeoPackage cannot be opened: ${(err as Error).message}`);
  }
  try {
    const tables = new Set(
      rows(db, "select name from sqlite_master where type in ('table', 'view')").map((r) => r.name),
    );
    for (const t of ['gpkg_contents', 'gpkg_geometry_columns', 'gpkg_spatial_ref_sys']) {
      if (!tables.has(t))
        throw new FileProblem(`the file is an SQLite database but not a GeoPackage: it has no ${t} table`);
    }
    const found = rows(
      db,
      `select c.table_name as t, g.column_name as col, g.geometry_type_name as type, g.srs_id as srs
       from gpkg_contents c join gpkg_geometry_columns g on g.table_name = c.table_name
       where lower(c.data_type) = 'features' order by c.rowid`,
    );
    if (!found.length)
      throw new FileProblem('the GeoPackage has no feature table (gpkg_contents lists no "features" table)');
    const layers = found.map((r): GpkgLayer => {
      const table = String(r.t);
      if (!tables.has(table))
        throw new FileProblem(`the GeoPackage lists the feature table ${table}, which is missing`);
      const srs = rows(
        db,
        `select srs_id, srs_name, organization, organization_coordsys_id, definition
         from gpkg_spatial_ref_sys where srs_id = ?`,
        [r.srs],
      )[0];
      const count = Number(rows(db, `select count(*) as n from ${quote(table)}`)[0].n);
      return {
        table,
        geometryColumn: String(r.col),
        geometryType: String(r.type),
        count,
        srs: srs && {
          srsId: Number(srs.srs_id),
          name: String(srs.srs_name ?? ''),
          organization: String(srs.organization ?? ''),
          organizationId: Number(srs.organization_coordsys_id),
          definition: String(srs.definition ?? ''),
        },
      };
    });
    return {
      layers,
      records: (layer) => records(db, layer),
      close: () => db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

function* records(db: Database, layer: GpkgLayer): Generator<GpkgRecord> {
  const stmt = db.prepare(`select * from ${quote(layer.table)} order by rowid`);
  try {
    for (let row = 0; stmt.step(); row++) {
      const values = stmt.getAsObject();
      const blob = values[layer.geometryColumn];
      const properties: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(values)) if (k !== layer.geometryColumn) properties[k] = v;
      if (blob === null || blob === undefined) {
        yield { row, properties, geometry: null };
        continue;
      }
      if (!(blob instanceof Uint8Array)) {
        yield { row, properties, geometry: null, problem: 'the geometry column holds no geometry blob' };
        continue;
      }
      try {
        yield { row, properties, geometry: gpkgToGeoJson(blob).geometry };
      } catch (err) {
        if (!(err instanceof WkbError)) throw err;
        yield { row, properties, geometry: null, problem: `the geometry cannot be read: ${err.message}` };
      }
    }
  } finally {
    stmt.free();
  }
}

export interface GpkgField {
  name: string;
  type: 'TEXT' | 'REAL' | 'INTEGER' | 'DATE';
  notNull?: boolean;
}

/** A GeoPackage being written: addLayer() per table, insert() rows, then bytes(). */
export class GeoPackageWriter {
  private constructor(private db: Database) {}

  static async create(): Promise<GeoPackageWriter> {
    const db = new (await engine()).Database();
    db.exec(`
      pragma application_id = ${APPLICATION_ID};
      pragma user_version = ${USER_VERSION};
      create table gpkg_spatial_ref_sys (
        srs_name text not null, srs_id integer primary key, organization text not null,
        organization_coordsys_id integer not null, definition text not null, description text);
      create table gpkg_contents (
        table_name text not null primary key, data_type text not null, identifier text unique,
        description text default '', last_change datetime not null default (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x double, min_y double, max_x double, max_y double,
        srs_id integer references gpkg_spatial_ref_sys(srs_id));
      create table gpkg_geometry_columns (
        table_name text not null unique references gpkg_contents(table_name), column_name text not null,
        geometry_type_name text not null, srs_id integer not null references gpkg_spatial_ref_sys(srs_id),
        z tinyint not null, m tinyint not null, primary key (table_name, column_name));
      insert into gpkg_spatial_ref_sys values
        ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
        ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
        ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
         'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');`);
    return new GeoPackageWriter(db);
  }

  /** Adds an EPSG coordinate system (srs_id = the EPSG code) unless it is there. */
  addSrs(epsg: number, name: string, definition: string): void {
    this.db.run(
      `insert into gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition)
       values (?, ?, 'EPSG', ?, ?) on conflict (srs_id) do nothing`,
      [name, epsg, epsg, definition],
    );
  }

  /** Creates a MultiPolygon feature table (fid, geom, then `fields`); returns its row writer. */
  addLayer(table: string, fields: GpkgField[], srsId: number, description = ''): GpkgLayerWriter {
    const cols = fields.map((f) => `${quote(f.name)} ${f.type}${f.notNull ? ' not null' : ''}`).join(', ');
    this.db.exec(`create table ${quote(table)} (fid integer primary key autoincrement not null, geom MULTIPOLYGON,
      ${cols})`);
    this.db.run(
      `insert into gpkg_contents (table_name, data_type, identifier, description, srs_id)
      values (?, 'features', ?, ?, ?)`,
      [table, table, description, srsId],
    );
    this.db.run(`insert into gpkg_geometry_columns values (?, 'geom', 'MULTIPOLYGON', ?, 0, 0)`, [table, srsId]);
    return new GpkgLayerWriter(this.db, table, fields, srsId);
  }

  /** The GeoPackage's bytes; the writer is closed. */
  bytes(): Uint8Array {
    try {
      return this.db.export();
    } finally {
      this.db.close();
    }
  }

  close(): void {
    this.db.close();
  }
}

export class GpkgLayerWriter {
  private bounds: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  private open = false;
  private stmt;

  constructor(
    private db: Database,
    private table: string,
    fields: GpkgField[],
    private srsId: number,
  ) {
    const names = ['geom', ...fields.map((f) => f.name)].map(quote).join(', ');
    this.stmt = db.prepare(
      `insert into ${quote(table)} (${names}) values (${['?', ...fields.map(() => '?')].join(', ')})`,
    );
  }

  /** Inserts a row: a MultiPolygon's polygons and the field values in order. */
  insert(polygons: Position[][][], values: SqlValue[]): void {
    if (!this.open) {
      this.db.exec('begin');
      this.open = true;
    }
    const [x0, y0, x1, y1] = boundsOf(polygons);
    const b = this.bounds;
    this.bounds = [Math.min(b[0], x0), Math.min(b[1], y0), Math.max(b[2], x1), Math.max(b[3], y1)];
    this.stmt.run([gpkgMultiPolygon(polygons, this.srsId), ...values]);
  }

  /** Commits the rows and records the table's extent in gpkg_contents. */
  finish(): void {
    this.stmt.free();
    if (this.open) this.db.exec('commit');
    this.open = false;
    if (Number.isFinite(this.bounds[0])) {
      this.db.run('update gpkg_contents set min_x = ?, min_y = ?, max_x = ?, max_y = ? where table_name = ?', [
        ...this.bounds,
        this.table,
      ]);
    }
  }
}
