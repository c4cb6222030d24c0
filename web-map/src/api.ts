/** The server calls the web map makes, all through the one client (http.ts), and the shapes they answer with. */
import type { Feature, FeatureCollection, Geometry } from 'geojson';
// Type-only: esbuild erases it, so no server code reaches the bundle.
import type { GridRow } from '../../server/grids/queries.js';
import { ApiError, request } from './http.js';
import { hasToken } from './token.js';

export * from './api-places.js';
import type { GeocodeCandidate, GeocodeLevel } from './api-places.js';

// --- regions, grids, settings and tiles

/** A unit grid's properties as `GET /api/grids/{code}` answers them: the server's row without its geometry. */
export type GridProperties = Omit<GridRow, 'geometry'>;
export type GridFeature = Feature<Geometry, GridProperties>;

export interface RegionProperties {
  code: string;
  name: string;
  level: 'district' | 'street' | 'community';
  parent_code: string | null;
  area_m2: number;
}
export type Regions = FeatureCollection<Geometry, RegionProperties>;

export interface WebConfig {
  basemap: { url: string; attribution: string } | null;
  layers: string[];
}

/** The parts of a layer's TileJSON 3 (`GET /tiles/{layer}.json`) the map uses. */
export interface TileJson {
  name: string;
  tiles: string[];
  minzoom: number;
  maxzoom: number;
}

/** The unit-grid code format (GB/T 30428.1): 15 digits = community code (12) + serial (3). */
export const GRID_CODE = /^\d{15}$/;

export function fetchGrid(code: string): Promise<GridFeature> {
  return request<GridFeature>(`api/grids/${encodeURIComponent(code)}`, {
    describe: (status) => {
      if (status === 404) return `未找到编码为 ${code} 的单元网格`;
      if (status === 400) return `网格编码格式不正确：${code}（应为 15 位数字）`;
      return undefined;
    },
  });
}

export function fetchRegions(level: 'district' | 'street' | 'community'): Promise<Regions> {
  return request(`api/regions?level=${level}&geometry=true`);
}

export async function fetchWebConfig(): Promise<WebConfig> {
  try {
    return await request<WebConfig>('api/web-config');
  } catch {
    // The map works without the optional settings (no basemap).
    return { basemap: null, layers: ['streets', 'communities', 'grids'] };
  }
}

/** The URL of a tile layer's TileJSON (absolute: MapLibre's workers need one). */
export const tileJsonUrl = (layer: string): string => new URL(`tiles/${layer}.json`, document.baseURI).href;

/** A layer's TileJSON; `fresh` bypasses the browser cache (to see whether the layer's version moved on). */
export function fetchTileJson(layer: string, fresh = false): Promise<TileJson> {
  return request<TileJson>(tileJsonUrl(layer), fresh ? { cache: 'no-cache' } : {});
}

// --- dispatch: cases, workflow, departments, categories, heat

export interface Named {
  code: string;
  name: string;
}

export interface CaseCategory {
  kind: 'component' | 'matter';
  code: string;
  name: string;
  major_name: string;
  key: string;
}

export interface Candidate {
  rule_id: number;
  name: string;
  department_code: string;
  specificity?: string | number;
  area_m2?: number | null;
  priority?: number;
  lost_because: string;
}

export interface Assignment {
  grid: Named | null;
  /** The contract gives {code, name}; a bare string is accepted too. */
  community: Named | string | null;
  street: Named | string | null;
  district: Named | string | null;
  area_class: string;
  collector_area: { id: number; name: string } | null;
  collectors: { id: number; code: string; name?: string; phone?: string | null }[];
  department: { code: string; name: string; kind: string } | null;
  matched?: {
    source: 'component' | 'rule' | 'fallback';
    rule_id?: number;
    rule_version?: number;
    rule_name?: string;
    component_code?: string;
  };
  why: string;
  candidates: Candidate[];
  version?: number;
}

export interface CaseEvent {
  id: number | string;
  at: string;
  actor_name: string | null;
  action: string;
  from_state: string | null;
  to_state: string | null;
  note: string | null;
  deadline?: string | null;
}

/** Where a case's point came from (GET /api/cases/{id} `location_source`). */
export type LocationSource = 'reported' | 'component' | 'geocoded' | 'placed';

/** A nearby component of the case's class (intake's suggestion), with its distance from the reported point. */
export interface ComponentSuggestion {
  code: string;
  name?: string | null;
  status?: string | null;
  distance_m: number;
}

export interface Case {
  id: number | string;
  case_no: string;
  state: string;
  state_label: string;
  channel: string;
  category: CaseCategory;
  condition?: string;
  description: string;
  address: string;
  /** lon/lat are null while the case needs a location (an address that did not resolve to one place). */
  location: { lon: number | null; lat: number | null };
  /** True while the case waits for a dispatcher to place it (待定位). */
  needs_location?: boolean;
  location_source?: LocationSource;
  /** The address geocoding at intake (null when the report came with a location): accepted or not, the best
   *  score and level, and the candidates. */
  geocode?: {
    query?: string;
    accepted?: boolean;
    score: number | null;
    level?: GeocodeLevel | null;
    candidates: GeocodeCandidate[];
  } | null;
  /** 'reverse': the report gave no address; `address` is the reverse-geocoded sentence of its position. */
  address_source?: 'reported' | 'reverse';
  /** The component linked to the case (关联部件), if any. */
  component_code?: string | null;
  /** For a component category: the nearest components of that class (the dispatcher may link one). */
  component_suggestions?: ComponentSuggestion[];
  reported_at: string;
  outside_coverage: boolean;
  overdue: boolean;
  deadlines: { stage: string | null; dispose: string | null };
  urge_count: number;
  rework_count: number;
  assignment: Assignment | null;
  duplicates?: { id: number | string; case_no: string; distance_m: number; reported_at: string; state: string }[];
  allowed_actions: string[];
  events?: CaseEvent[];
  /** Bumped by every action; sent back as If-Match so that a stale view cannot act (412). */
  version: number;
}

/** `GET /api/workflow`: the workflow as data (states and actions with their labels and what they need). */
export interface WorkflowData {
  states: { state: string; label: string; stage: string | null }[];
  actions: {
    action: string;
    label: string;
    from: string[];
    to: string;
    roles: string[];
    note: boolean;
    department: 'optional' | 'required' | null;
    own_department: boolean;
  }[];
}

export interface Me {
  id: number;
  name: string;
  role: string;
  regionScope?: string;
  departmentCode?: string | null;
}
export interface Department {
  code: string;
  name: string;
  kind: string;
}
export interface Category {
  key: string;
  kind: 'component' | 'matter';
  code: string;
  major_code: string;
  major_name: string;
  name: string;
}
export interface ActionBody {
  action: string;
  note?: string;
  department_code?: string;
}
export interface CaseQuery {
  state?: string[];
  overdue?: boolean;
  /** Only the cases that wait to be placed (待定位). */
  needsLocation?: boolean;
  limit?: number;
  department?: string;
}
export interface HeatQuery {
  category?: string;
  from?: string;
  to?: string;
}

/** The signed-in user, or null without a (valid) token. */
export async function fetchMe(): Promise<Me | null> {
  if (!hasToken()) return null;
  try {
    return await request<Me>('api/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export const fetchWorkflow = () => request<WorkflowData>('api/workflow');

export function listCases(q: CaseQuery): Promise<{ items: Case[]; next: string | null }> {
  const p = new URLSearchParams();
  if (q.state?.length) p.set('state', q.state.join(','));
  if (q.overdue) p.set('overdue', 'true');
  if (q.needsLocation) p.set('needs_location', 'true');
  if (q.department) p.set('department', q.department);
  p.set('limit', String(q.limit ?? 100));
  return request(`api/cases?${p}`);
}

export const getCase = (id: Case['id']) => request<Case>(`api/cases/${encodeURIComponent(String(id))}`);

/** Takes an action on the version of the case the user saw (If-Match). */
export const postAction = (c: Pick<Case, 'id' | 'version'>, body: ActionBody) =>
  request<Case>(`api/cases/${encodeURIComponent(String(c.id))}/actions`, { method: 'POST', body, version: c.version });

/** Links a component to the case (关联部件) on the version of the case the user saw (If-Match). */
export const linkCaseComponent = (c: Pick<Case, 'id' | 'version'>, componentCode: string) =>
  request<Case>(`api/cases/${encodeURIComponent(String(c.id))}/component`, {
    method: 'POST',
    body: { component_code: componentCode },
    version: c.version,
  });

/** Places a case that needs a location (人工定位 or a geocoding candidate) on the version the user saw (If-Match). */
export const placeCase = (c: Pick<Case, 'id' | 'version'>, lon: number, lat: number) =>
  request<Case>(`api/cases/${encodeURIComponent(String(c.id))}/location`, {
    method: 'POST',
    body: { location: { lon, lat } },
    version: c.version,
  });

/** Departments for the dispatch select; accepts a bare array or `{ items }`. */
export async function listDepartments(): Promise<Department[]> {
  const r = await request<Department[] | { items: Department[] }>('api/departments');
  return Array.isArray(r) ? r : r.items;
}

export const listCategories = () => request<Category[]>('api/categories');

/** How `GET /api/cases/heat` aggregated its points: exact (~11 m cells) or coarse cells with a minimum count. */
export interface HeatAggregation {
  exact: boolean;
  cell_deg: number;
  min_count: number;
  min_days?: number;
}

export function fetchHeat(
  q: HeatQuery,
): Promise<{ points: [number, number, number][]; total: number; aggregation?: HeatAggregation }> {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  const qs = p.toString();
  return request(`api/cases/heat${qs ? `?${qs}` : ''}`);
}

/** The roles that may call each operation, from the server's OpenAPI document (`x-roles`), keyed "post /api/…". */
export async function fetchRouteRoles(): Promise<Map<string, string[]>> {
  const doc = await request<{ paths: Record<string, Record<string, { 'x-roles'?: string[] }>> }>('api/openapi.json');
  const roles = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths ?? {}))
    for (const [method, op] of Object.entries(ops)) if (op['x-roles']) roles.set(`${method} ${path}`, op['x-roles']);
  return roles;
}
