/** Kysely table types: one interface per table, mirroring migrations/. */
import type { ColumnType, Generated } from 'kysely';

type Geometry = unknown; // geometry columns are read and written through PostGIS functions only
type DateText = ColumnType<string, string | undefined, string>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface RegionTable {
  id: Generated<number>;
  code: string;
  level: 'district' | 'street' | 'community';
  parent_code: string | null;
  district_code: string;
  name: string;
  geom: Geometry;
  area_m2: number;
  initial_date: DateText;
  termination_date: string | null;
  updated_at: Timestamp;
}

export interface UnitGridTable {
  id: Generated<number>;
  code: string;
  name: string;
  community_code: string;
  street_code: string;
  district_code: string;
  geom: Geometry;
  area_m2: number;
  initial_date: DateText;
  termination_date: string | null;
  updated_at: Timestamp;
}

export type Role = 'admin' | 'gis_editor' | 'dispatcher' | 'department_handler' | 'collector' | 'viewer';

export interface AppUserTable {
  id: Generated<number>;
  name: string;
  role: Role;
  region_scope: Generated<string>;
  token_hash: string;
  created_at: Timestamp;
  disabled_at: Date | null;
}

export interface AuditEventTable {
  id: Generated<number>;
  at: Timestamp;
  actor_id: number | null;
  actor_name: string;
  action: string;
  entity: string;
  entity_key: string | null;
  detail: ColumnType<unknown, string, string>;
}

export interface TileLayerVersionTable {
  layer: string;
  version: number;
  updated_at: Timestamp;
}

export interface SchemaMigrationsTable {
  name: string;
  applied_at: Timestamp;
}

export interface DB {
  region: RegionTable;
  unit_grid: UnitGridTable;
  app_user: AppUserTable;
  audit_event: AuditEventTable;
  tile_layer_version: TileLayerVersionTable;
  schema_migrations: SchemaMigrationsTable;
}
