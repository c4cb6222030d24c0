/** The web map's calls about places: census components (部件) and the address gazetteer (地理编码). */
import { request } from './http.js';
import type { Geometry } from 'geojson';
import type { Category } from './api.js';

// --- census components (部件)

/** A department as the census names it: code and name (either may be missing). */
export interface ComponentDept {
  code?: string | null;
  name?: string | null;
}

/**
 * `GET /api/components/{code}`. The census answer (class, class_name, owner/title/maintainer objects, grid and
 * dates) and the older minimal one (category_code, category_name, owner_code, maintainer_code) are both accepted:
 * every field but the code may be missing.
 */
export interface ComponentRecord {
  code: string;
  class?: string | null;
  class_name?: string | null;
  category_code?: string | null;
  category_name?: string | null;
  name?: string | null;
  status?: string | null;
  owner?: ComponentDept | null;
  title?: ComponentDept | null;
  maintainer?: ComponentDept | null;
  owner_code?: string | null;
  owner_name?: string | null;
  title_code?: string | null;
  title_name?: string | null;
  maintainer_code?: string | null;
  maintainer_name?: string | null;
  grid_code?: string | null;
  community_code?: string | null;
  street_code?: string | null;
  given_grid_code?: string | null;
  initial_date?: string | null;
  change_date?: string | null;
  data_source?: string | null;
  note?: string | null;
  accuracy?: string | null;
  /** A point on the component (on its surface for a line or an area); null when it has no geometry. */
  location?: { lon: number; lat: number } | null;
  geometry?: Geometry | null;
  version?: number;
}

export function fetchComponent(code: string): Promise<ComponentRecord> {
  return request<ComponentRecord>(`api/components/${encodeURIComponent(code)}`, {
    describe: (status) => (status === 404 ? `未找到编码为 ${code} 的部件` : undefined),
  });
}

/** The component-code formats: 16 digits (old scheme, CJ/T 214) or 17 digits (GB/T 47678.5). */
export const COMPONENT_CODE = /^\d{16,17}$/;

/** The component classes of the category dictionary (their major classes name the map's legend). */
export const listComponentClasses = () => request<Category[]>('api/categories?kind=component');

// --- address gazetteer: forward and reverse geocoding (地理编码)

export type GeocodeLevel = 'doorplate' | 'interpolated' | 'landmark' | 'road' | 'community' | 'street' | 'district';

/** One answer of `GET /api/geocode`: a place, how precisely it matched (level) and how well (score 0–1). */
export interface GeocodeCandidate {
  address: string;
  level: GeocodeLevel;
  lon: number;
  lat: number;
  score: number;
  grid_code: string | null;
  community_code: string | null;
  street_code: string | null;
  reasons?: string[];
}

export interface GeocodeAnswer {
  query: string;
  parsed?: Record<string, unknown>;
  /** Best first; empty when nothing matches. */
  candidates: GeocodeCandidate[];
}

export function geocode(q: string, limit = 8): Promise<GeocodeAnswer> {
  return request<GeocodeAnswer>(`api/geocode?${new URLSearchParams({ q, limit: String(limit) })}`);
}

type CodeName = { code: string; name: string } | null;

/** `GET /api/geocode/reverse`: what is here — the standard address sentence and the regions of the point. */
export interface ReverseAnswer {
  address: string;
  doorplate: { address: string; road: string; number: string; building?: string; distance_m: number } | null;
  landmark: { name: string; distance_m: number } | null;
  road: { name: string; distance_m: number } | null;
  grid: CodeName;
  community: CodeName;
  street: CodeName;
  district: CodeName;
}

export function reverseGeocode(lon: number, lat: number): Promise<ReverseAnswer> {
  const p = new URLSearchParams({ lon: lon.toFixed(7), lat: lat.toFixed(7) });
  return request<ReverseAnswer>(`api/geocode/reverse?${p}`);
}
