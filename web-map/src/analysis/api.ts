/**
 * The server calls of the 分析 panel, all through the one client (http.ts): Gi* hot spots
 * (`GET /api/analysis/hotspots`) and emerging hot spots (`GET /api/analysis/emerging`), both without geometries — the
 * map joins the answers onto the grid and community vector tiles by code (feature state).
 */
import type { Feature } from 'geojson';
import { request } from '../http.js';

export type Level = 'grid' | 'community';
export type Weights = 'contiguity' | 'distance';

/** What the panel asks: the parameters both analyses share. */
export interface AnalysisQuery {
  /** YYYY-MM-DD, inclusive (China Standard Time). */
  from: string;
  /** YYYY-MM-DD, exclusive. */
  to: string;
  /** `matter:06`, `matter:06010`; none = all. */
  category?: string;
  level: Level;
  weights: Weights;
  distance_m?: number;
  fdr: boolean;
}

export interface HotspotProperties {
  code: string;
  name: string | null;
  count: number;
  z: number;
  p: number;
  /** −3…3: ±3 p < 0.01, ±2 p < 0.05, ±1 p < 0.10 (FDR-corrected with fdr=true), else 0. */
  bin: number;
  neighbours: number;
}

export interface HotspotAnswer {
  type: 'FeatureCollection';
  analysis: AnalysisQuery & { units: number; cases: number; critical_p: Record<string, number | null> | null };
  features: { id: string; properties: HotspotProperties }[];
}

export interface Trend {
  tau: number;
  z: number;
  p: number;
}

export interface EmergingProperties {
  code: string;
  name: string | null;
  count: number;
  category: string;
  /** ArcGIS's code: 1…8 hot, −1…−8 cold, 0 no pattern. */
  category_code: number;
  category_label: string;
  count_trend: Trend;
  gi_trend: Trend;
  /** Per step (series=true). */
  counts: number[];
  z: number[];
  bins: number[];
}

export interface EmergingStep {
  from: string;
  to: string;
  cases: number;
}

export interface EmergingAnswer {
  type: 'FeatureCollection';
  analysis: AnalysisQuery & {
    step: 'month' | 'week';
    units: number;
    cases: number;
    steps: EmergingStep[];
    /** Every category (hot, cold and no pattern) with its ArcGIS code, its Chinese label and its units. */
    categories: Record<string, { code: number; label: string; units: number }>;
  };
  features: { id: string; properties: EmergingProperties }[];
}

/** The URL of an analysis (relative to the page): the panel's query plus what the kind needs. */
export function analysisUrl(
  kind: 'hotspots' | 'emerging',
  q: AnalysisQuery,
  extra: Record<string, string> = {},
): string {
  const p = new URLSearchParams({ from: q.from, to: q.to });
  if (q.category) p.set('category', q.category);
  p.set('level', q.level);
  p.set('weights', q.weights);
  if (q.weights === 'distance' && q.distance_m !== undefined) p.set('distance_m', String(q.distance_m));
  p.set('fdr', String(q.fdr));
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return `api/analysis/${kind}?${p}`;
}

export const fetchHotspots = (q: AnalysisQuery) =>
  request<HotspotAnswer>(analysisUrl('hotspots', q, { geometry: 'false' }));

/** Monthly steps with each unit's per-step counts, z-scores and bins (the time slider's maps). */
export const fetchEmerging = (q: AnalysisQuery) =>
  request<EmergingAnswer>(analysisUrl('emerging', q, { step: 'month', series: 'true', geometry: 'false' }));

/** A community's outline (the top list flies to it). */
export const fetchRegion = (code: string) => request<Feature>(`api/regions/${encodeURIComponent(code)}`);
