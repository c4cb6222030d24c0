/** Kysely table types: one interface per table, mirroring migrations/. */
import type { ColumnType, Generated } from 'kysely';
import type { CaseEventTable, CaseRecordTable, CaseStepTable } from './schema-cases.js';

export type { CaseEventTable, CaseRecordTable, CaseStepTable } from './schema-cases.js';

export type Geometry = unknown; // geometry columns are read and written through PostGIS functions only
type DateText = ColumnType<string, string | undefined, string>;
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

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
  version: Generated<number>;
  started_by: number | null;
  ended_by: number | null;
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
  version: Generated<number>;
  started_by: number | null;
  ended_by: number | null;
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
  department_code: ColumnType<string | null, string | null | undefined, string | null>;
  version: Generated<number>;
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

export type Json = ColumnType<unknown, string, string>;
export type JsonDefault = ColumnType<unknown, string | undefined, string>;

export type CategoryKind = 'component' | 'matter';

export interface CategoryTable {
  kind: CategoryKind;
  code: string;
  major_code: string;
  major_name: string;
  name: string;
  legacy_codes: ColumnType<string[], string[] | undefined, string[]>;
}

export interface TimeLimitTable {
  id: Generated<number>;
  kind: CategoryKind | '*';
  pattern: string;
  condition: Generated<string>;
  hours_a: number;
  hours_b: number;
  hours_c: number;
  close_condition: Generated<string>;
}

export interface StageLimitTable {
  stage: string;
  minutes: number;
}

export interface WorkCalendarTable {
  id: number;
  definition: Json;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface DepartmentTable {
  code: string;
  name: string;
  parent_code: string | null;
  kind: string;
  contact: Generated<string>;
  phone: Generated<string>;
  fallback_for: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
  region_code: Generated<string>;
}

export interface AssignmentVersionTable {
  id: number;
  version: number;
  updated_at: Timestamp;
}

export type AreaKind = 'anywhere' | 'polygon' | 'regions';

export interface RespRuleTable {
  id: Generated<number>;
  name: Generated<string>;
  category_kind: CategoryKind | null;
  category_pattern: Generated<string>;
  area_kind: AreaKind;
  area_codes: ColumnType<string[], string[] | undefined, string[]>;
  area_geom: Geometry | null;
  area_m2: number | null;
  department_code: string;
  priority: Generated<number>;
  valid_from: string | null;
  valid_to: string | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AreaClassZoneTable {
  id: Generated<number>;
  name: string;
  class: 'A' | 'B' | 'C';
  area_kind: 'polygon' | 'regions';
  area_codes: ColumnType<string[], string[] | undefined, string[]>;
  area_geom: Geometry | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface CollectorTable {
  id: Generated<number>;
  code: string;
  name: string;
  phone: Generated<string>;
  user_id: number | null;
  version: Generated<number>;
}

export interface CollectorAreaTable {
  id: Generated<number>;
  name: string;
  grid_codes: string[];
  collector_ids: ColumnType<number[], number[] | undefined, number[]>;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface ComponentTable {
  code: string;
  category_code: string;
  name: Generated<string>;
  owner_code: string | null;
  maintainer_code: string | null;
  status: Generated<string>;
  geom: Geometry | null;
  category_kind: Generated<'component'>;
  version: Generated<number>;
  owner_name: Generated<string>;
  title_code: string | null;
  title_name: Generated<string>;
  maintainer_name: Generated<string>;
  initial_date: string | null;
  change_date: string | null;
  data_source: Generated<string>;
  note: Generated<string>;
  accuracy: 'A' | 'B' | 'C' | null;
  photos: Generated<unknown>;
  extras: Generated<unknown>;
  grid_code: string | null;
  community_code: string | null;
  street_code: string | null;
  district_code: string | null;
  given_grid_code: string | null;
  valid_from: Generated<Date>;
}

export interface ComponentHistoryTable {
  id: Generated<number>;
  code: string;
  version: number;
  attrs: unknown;
  geom: Geometry | null;
  valid_from: Date;
  valid_to: Date;
  ended_by: 'edit' | 'import' | 'delete';
}

export interface RoadTable {
  id: Generated<number>;
  name: string;
  geom: Geometry;
  district_code: string | null;
  version: Generated<number>;
  valid_from: Generated<Date>;
}

export interface RoadNameTable {
  road_id: number;
  name: string;
  kind: 'name' | 'alias' | 'former';
  valid_from: string | null;
  valid_to: string | null;
}

export interface DoorplateTable {
  id: Generated<number>;
  road_id: number | null;
  road: string;
  number: string;
  number_int: number | null;
  building: Generated<string>;
  geom: Geometry;
  side: number | null;
  measure: number | null;
  grid_code: string | null;
  community_code: string | null;
  street_code: string | null;
  district_code: string | null;
  version: Generated<number>;
  valid_from: Generated<Date>;
}

export interface LandmarkTable {
  id: Generated<number>;
  name: string;
  aliases: Generated<string[]>;
  kind: Generated<string>;
  geom: Geometry;
  grid_code: string | null;
  community_code: string | null;
  street_code: string | null;
  district_code: string | null;
  version: Generated<number>;
  valid_from: Generated<Date>;
}

export interface AddressHistoryTable {
  id: Generated<number>;
  kind: 'road' | 'doorplate' | 'landmark';
  key: string;
  version: number;
  attrs: unknown;
  geom: Geometry | null;
  valid_from: Date;
  valid_to: Date;
  ended_by: 'edit' | 'import' | 'delete';
}

export interface ResourceVersionTable {
  name: string;
  version: Generated<number>;
  updated_at: Generated<Date>;
}

/** An uploaded photo (server/media): its bytes live in the media store under sha256. */
export interface MediaTable {
  id: Generated<number>;
  sha256: string;
  content_type: string;
  bytes: number;
  width: number | null;
  height: number | null;
  taken_at: Date | null;
  lon: number | null;
  lat: number | null;
  has_thumb: boolean;
  uploaded_by: number | null;
  created_at: Generated<Date>;
  case_id: number | null;
}

export interface DB {
  resource_version: ResourceVersionTable;
  region: RegionTable;
  unit_grid: UnitGridTable;
  app_user: AppUserTable;
  audit_event: AuditEventTable;
  tile_layer_version: TileLayerVersionTable;
  schema_migrations: SchemaMigrationsTable;
  category: CategoryTable;
  time_limit: TimeLimitTable;
  stage_limit: StageLimitTable;
  work_calendar: WorkCalendarTable;
  department: DepartmentTable;
  assignment_version: AssignmentVersionTable;
  resp_rule: RespRuleTable;
  area_class_zone: AreaClassZoneTable;
  collector: CollectorTable;
  collector_area: CollectorAreaTable;
  component: ComponentTable;
  component_history: ComponentHistoryTable;
  road: RoadTable;
  road_name: RoadNameTable;
  doorplate: DoorplateTable;
  landmark: LandmarkTable;
  address_history: AddressHistoryTable;
  case_record: CaseRecordTable;
  case_event: CaseEventTable;
  case_step: CaseStepTable;
  media: MediaTable;
}
