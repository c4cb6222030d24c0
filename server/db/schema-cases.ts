/** The case tables (server/cases, server/exchange, server/evaluation): part of the DB interface in schema.ts. */
import type { Generated } from 'kysely';
import type { CategoryKind, Geometry, Json, JsonDefault, Timestamp } from './schema.js';

export interface CaseRecordTable {
  id: number;
  case_no: string;
  channel: string;
  category_kind: CategoryKind;
  category_code: string;
  condition: Generated<string>;
  description: string;
  address: Generated<string>;
  /** Null while needs_location (an address that could not be placed). */
  lon: number | null;
  lat: number | null;
  geom: Geometry | null;
  input_crs: string;
  input_lon: number | null;
  input_lat: number | null;
  needs_location: Generated<boolean>;
  location_source: Generated<'reported' | 'component' | 'geocoded' | 'placed'>;
  address_source: Generated<'reported' | 'reverse'>;
  geocode: Json | null;
  component_code: string | null;
  photos: JsonDefault;
  reporter: JsonDefault;
  client_time: Date | null;
  reported_at: Timestamp;
  created_by: number | null;
  /** The collector (监督员) who made the report, by code (intake: the reporting collector's; imports: as given). */
  collector_code: string | null;
  state: string;
  parked_from: string | null;
  outside_coverage: Generated<boolean>;
  grid_code: string | null;
  community_code: string | null;
  street_code: string | null;
  district_code: string | null;
  area_class: string;
  collector_area_id: number | null;
  department_code: string | null;
  rule_id: number | null;
  rule_version: number | null;
  assignment: Json;
  assignment_version: number;
  stage_deadline: Date | null;
  dispose_deadline: Date | null;
  /** The latest 处置反馈 (kept by the trigger case_event_facts, migration 0012). */
  last_dispose_at: Generated<Date | null>;
  urge_count: Generated<number>;
  rework_count: Generated<number>;
  duplicates: JsonDefault;
  idempotency_key: string | null;
  request_hash: string | null;
  closed_at: Date | null;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface CaseEventTable {
  id: Generated<number>;
  case_id: number;
  at: Timestamp;
  actor_id: number | null;
  actor_name: string;
  action: string;
  from_state: string | null;
  to_state: string;
  note: Generated<string>;
  deadline: Date | null;
  detail: JsonDefault;
}

/** An evaluated step of a case's history, kept by the trigger case_event_facts (migration 0012). */
export interface CaseStepTable {
  event_id: number;
  case_id: number;
  reported_at: Date;
  action: string;
  from_reported: boolean;
  actor_id: number | null;
  actor_name: string;
  on_time: boolean;
  redone: Generated<boolean>;
}
