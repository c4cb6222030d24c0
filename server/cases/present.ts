/** A stored case as the API shows it. */
import type { User } from '../auth/tokens.js';
import type { Assignment } from '../assign/assign.js';
import { visibleCollectors, visibleReporter } from '../auth/visibility.js';
import { allowedActions, type CaseRow } from './actions.js';
import { STATE_LABEL, type State } from './workflow.js';
import type { GeocodeRecord } from './placement.js';

export interface CaseListRow extends CaseRow {
  case_no: string;
  channel: string;
  description: string;
  address: string;
  lon: number | null;
  lat: number | null;
  input_crs: string;
  input_lon: number | null;
  input_lat: number | null;
  location_source: 'reported' | 'component' | 'geocoded' | 'placed';
  address_source: 'reported' | 'reverse';
  geocode: GeocodeRecord | null;
  component_code: string | null;
  photos: string[];
  reporter: Record<string, string>;
  client_time: Date | null;
  reported_at: Date;
  outside_coverage: boolean;
  assignment: Assignment;
  assignment_version: number;
  rule_id: number | null;
  rule_version: number | null;
  urge_count: number;
  rework_count: number;
  duplicates: unknown[];
  component_suggestions: unknown[];
  closed_at: Date | null;
  updated_at: Date;
  category_name: string;
  major_name: string;
  department_name: string | null;
  department_kind: string | null;
}

const iso = (t: Date | string | null) => (t === null ? null : new Date(t).toISOString());

export function presentCase(c: CaseListRow, user: User | undefined, now = new Date()) {
  const a = c.assignment;
  return {
    id: Number(c.id),
    case_no: c.case_no,
    state: c.state,
    state_label: STATE_LABEL[c.state as State],
    channel: c.channel,
    category: {
      kind: c.category_kind,
      code: c.category_code,
      key: `${c.category_kind}:${c.category_code}`,
      name: c.category_name,
      major_name: c.major_name,
    },
    condition: c.condition,
    description: c.description,
    address: c.address,
    /** 'reverse': the report gave no address; this one is the reverse-geocoded sentence of its position. */
    address_source: c.address_source,
    /** lon/lat are null while needs_location. */
    location: { lon: c.lon, lat: c.lat, input: { lon: c.input_lon, lat: c.input_lat, crs: c.input_crs } },
    /** True when the address could not be placed unambiguously: a dispatcher places it (POST /api/cases/{id}/location). */
    needs_location: c.needs_location,
    location_source: c.location_source,
    /** The address geocoded at intake: the query, whether it was accepted (and why not), score and candidates. */
    geocode: c.geocode,
    component_code: c.component_code,
    photos: c.photos,
    // reporter: null and reporter_withheld: true for callers who may not see it (server/auth/visibility.ts)
    ...visibleReporter(c.reporter, c.department_code, user),
    client_time: iso(c.client_time),
    reported_at: iso(c.reported_at),
    closed_at: iso(c.closed_at),
    outside_coverage: c.outside_coverage,
    overdue: c.stage_deadline !== null && new Date(c.stage_deadline) < now,
    deadlines: { stage: iso(c.stage_deadline), dispose: iso(c.dispose_deadline) },
    urge_count: c.urge_count,
    rework_count: c.rework_count,
    assignment: {
      ...a,
      // The collectors of the point's collector area, as stored at intake: names and phones only for staff who may see them.
      ...(Array.isArray(a?.collectors) && { collectors: visibleCollectors(a.collectors, user) }),
      // The department may have changed since intake (dispatch to another, 改派): show the current one.
      department: c.department_code
        ? { code: c.department_code, name: c.department_name, kind: c.department_kind }
        : null,
      area_class: c.area_class,
      version: c.assignment_version,
    },
    duplicates: c.duplicates,
    /** Reports of a component class: the nearest components of that class (the dispatcher may link one). */
    component_suggestions: c.component_suggestions,
    allowed_actions: allowedActions(c, user),
    /** Bumped by every action and re-assessment; send it back as If-Match with an action. */
    version: c.version,
  };
}

export type CaseView = ReturnType<typeof presentCase>;
