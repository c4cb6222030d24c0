/**
 * The server calls of the editing mode (构建与维护), all through the one client (http.ts): grid edits — directly
 * (If-Match: the grid's version) or into a draft (`?draft=ID`, If-Match: the draft's version) — drafts, what-if,
 * publishing, a grid's history, and the responsibility polygons (rules, area classes) and collector areas.
 */
import type { FeatureCollection, Geometry, LineString, MultiPolygon, Polygon, Position } from 'geojson';
import { ApiError, request } from '../http.js';

/** One problem of a refused edit (422 `problems[]`), or a warning of an accepted one. */
export interface EditProblem {
  code: string;
  problem: string;
  location?: [number, number];
  codes?: string[];
}

/** The problems of a refused edit, or [] when the error is not a 422 listing them. */
export function problemsOf(e: unknown): EditProblem[] {
  if (!(e instanceof ApiError) || e.status !== 422) return [];
  const list = e.problem?.problems;
  return Array.isArray(list) ? (list as EditProblem[]) : [];
}

/** Where an edit goes: straight to the boundaries (on the grid's version) or into a draft (on its version). */
export type Target = { kind: 'direct'; version?: number } | { kind: 'draft'; id: number; version: number };

export interface ReassignResult {
  examined: number;
  changed: number;
  department_changed: number;
  proposed: number;
}

export interface ReferenceChange {
  kind: 'collector_area' | 'rule' | 'area_class';
  id: number;
  name: string;
  from: string[];
  to: string[];
}

export interface PublishResult {
  retired: string[];
  created: string[];
  changed: string[];
  references: ReferenceChange[];
  reassigned: ReassignResult;
}

/** The answer to an edit: the step and its summary; direct edits add what was published, drafts their version. */
export interface EditResult {
  step: number;
  summary: Record<string, unknown>;
  warnings: EditProblem[];
  /** Draft edits: the draft's new version (its ETag). */
  version?: number;
  retired?: string[];
  created?: string[];
  changed?: string[];
  reassigned?: ReassignResult;
}

export type EditOp =
  | { op: 'split'; line: LineString }
  | { op: 'merge'; with: string[] }
  | { op: 'reshape'; action: 'move' | 'add' | 'delete'; at: Position; to?: Position }
  | { op: 'retire'; to: string }
  | { op: 'rename'; name: string }
  | { op: 'move'; community_code: string };

const gridPath = (code: string) => `api/grids/${encodeURIComponent(code)}`;
const draftQuery = (t: Target) => (t.kind === 'draft' ? `?draft=${t.id}` : '');

/** Runs an edit of a grid. */
export function editGrid(code: string, e: EditOp, t: Target): Promise<EditResult> {
  const q = draftQuery(t);
  const opts = { version: t.version };
  switch (e.op) {
    case 'split':
      return request(`${gridPath(code)}/split${q}`, { ...opts, method: 'POST', body: { line: e.line } });
    case 'merge':
      return request(`${gridPath(code)}/merge${q}`, { ...opts, method: 'POST', body: { with: e.with } });
    case 'reshape': {
      const { op: _op, ...body } = e;
      return request(`${gridPath(code)}/reshape${q}`, { ...opts, method: 'POST', body });
    }
    case 'retire':
      return request(`${gridPath(code)}/retire${q}`, { ...opts, method: 'POST', body: { to: e.to } });
    case 'rename':
      return request(`${gridPath(code)}${q}`, { ...opts, method: 'PATCH', body: { name: e.name } });
    case 'move':
      return request(`${gridPath(code)}${q}`, { ...opts, method: 'PATCH', body: { community_code: e.community_code } });
  }
}

/** Creates a grid in a gap of a community (the polygon is clipped to the community and to what no grid covers). */
export function createGrid(
  body: { community_code: string; name: string; geometry: Polygon | MultiPolygon },
  t: Target,
): Promise<EditResult> {
  return request(`api/grids${draftQuery(t)}`, {
    method: 'POST',
    body,
    version: t.kind === 'draft' ? t.version : undefined,
  });
}

// --- drafts

export interface DraftStep {
  seq: number;
  op: string;
  params: Record<string, unknown>;
  summary: Record<string, unknown>;
  at: string;
}

export interface DraftFeatureProps {
  level: 'grid' | 'community' | 'street' | 'district';
  code: string;
  name: string;
  step: number;
  ended: boolean;
  new: boolean;
}

export interface DraftSummary {
  id: number;
  name: string;
  created_by_name: string;
  version: number;
  steps: number;
  updated_at: string;
}

export interface Draft extends DraftSummary {
  step_list: DraftStep[];
  features: FeatureCollection<Geometry | null, DraftFeatureProps>;
}

export interface CaseMove {
  id: number;
  state: string;
  grid: { from: string | null; to: string | null };
  collector_area: { from: number | null; to: number | null };
  department: { from: string | null; to: string | null; follows: boolean };
}

export interface WhatIf {
  cases_examined: number;
  counts: { grid: number; collector_area: number; department: number; department_proposed: number; references: number };
  cases: CaseMove[];
  references: ReferenceChange[];
}

const draftPath = (id: number) => `api/grid-drafts/${id}`;

export const listDrafts = async () => (await request<{ items: DraftSummary[] }>('api/grid-drafts')).items;
export const createDraft = (name: string) => request<Draft>('api/grid-drafts', { method: 'POST', body: { name } });
export const getDraft = (id: number) => request<Draft>(draftPath(id), { cache: 'no-store' });
export const undoDraft = (d: { id: number; version: number }) =>
  request<Draft>(`${draftPath(d.id)}/undo`, { method: 'POST', version: d.version });
export const whatIf = (id: number) => request<WhatIf>(`${draftPath(id)}/what-if`, { cache: 'no-store' });
export const publishDraft = (d: { id: number; version: number }) =>
  request<PublishResult>(`${draftPath(d.id)}/publish`, { method: 'POST', version: d.version });
export const discardDraft = (d: { id: number; version: number }) =>
  request<void>(draftPath(d.id), { method: 'DELETE', version: d.version });

// --- history

export interface ChangeRef {
  change_id: number;
  at: string;
  actor: string;
  draft: string | null;
  ops: Record<string, unknown>[];
}

export interface GridHistory {
  code: string;
  live: boolean;
  versions: {
    version: number;
    name: string;
    initial_date: string;
    termination_date: string | null;
    area_m2: number;
    started_by: ChangeRef | null;
    ended_by: ChangeRef | null;
  }[];
  predecessors: string[];
  successors: string[];
}

export const gridHistory = (code: string) => request<GridHistory>(`${gridPath(code)}/history`, { cache: 'no-store' });

// --- communities (for 移至社区 and 在空白处新建)

export interface Community {
  code: string;
  name: string;
}

export async function listCommunities(): Promise<Community[]> {
  const fc = await request<FeatureCollection<Geometry | null, Community>>('api/regions?level=community');
  return fc.features.map((f) => ({ code: f.properties.code, name: f.properties.name }));
}

// --- responsibility polygons and collector areas

export type AreaJson =
  { kind: 'anywhere' } | { kind: 'polygon'; geometry: Polygon | MultiPolygon } | { kind: 'regions'; codes: string[] };

export interface Rule {
  id: number;
  name: string | null;
  category: string;
  department_code: string;
  area: AreaJson;
  version: number;
}

export interface AreaClassZone {
  id: number;
  name: string;
  class: 'A' | 'B' | 'C';
  area: AreaJson;
  version: number;
}

export interface CollectorArea {
  id: number;
  name: string;
  grid_codes: string[];
  version: number;
}

const items = <T>(r: T[] | { items: T[] }) => (Array.isArray(r) ? r : r.items);

export const listRules = async () => items(await request<Rule[] | { items: Rule[] }>('api/rules'));
export const listAreaClasses = async () =>
  items(await request<AreaClassZone[] | { items: AreaClassZone[] }>('api/area-classes'));
export const listCollectorAreas = async () =>
  items(await request<CollectorArea[] | { items: CollectorArea[] }>('api/collector-areas'));

export const setRuleArea = (r: Pick<Rule, 'id' | 'version'>, geometry: Polygon | MultiPolygon) =>
  request<Rule>(`api/rules/${r.id}`, {
    method: 'PATCH',
    body: { area: { kind: 'polygon', geometry } },
    version: r.version,
  });
export const setAreaClassArea = (z: Pick<AreaClassZone, 'id' | 'version'>, geometry: Polygon | MultiPolygon) =>
  request<AreaClassZone>(`api/area-classes/${z.id}`, {
    method: 'PATCH',
    body: { area: { kind: 'polygon', geometry } },
    version: z.version,
  });
export const createAreaClass = (name: string, cls: 'A' | 'B' | 'C', geometry: Polygon | MultiPolygon) =>
  request<AreaClassZone>('api/area-classes', {
    method: 'POST',
    body: { name, class: cls, area: { kind: 'polygon', geometry } },
  });
export const createCollectorArea = (name: string, gridCodes: string[]) =>
  request<CollectorArea>('api/collector-areas', { method: 'POST', body: { name, grid_codes: gridCodes } });
export const setCollectorAreaGrids = (a: Pick<CollectorArea, 'id' | 'version'>, gridCodes: string[]) =>
  request<CollectorArea>(`api/collector-areas/${a.id}`, {
    method: 'PATCH',
    body: { grid_codes: gridCodes },
    version: a.version,
  });
