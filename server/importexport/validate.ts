/**
 * Structural checks of an import file, before anything touches the database: FeatureCollection shape, codes and
 * levels, parent links within the file, coordinates in lon/lat, closed rings. Every problem names the feature.
 */
import { CODE_LENGTH, codeProblem, levelOfCode, parentCode, type Level } from '../grids/codes.js';

export interface ImportIssue {
  /** Index of the feature in the file's features array. */
  index: number;
  code?: string;
  problem: string;
  /** [lon, lat] where the problem is, when known. */
  location?: [number, number];
  /** Shapefile and GeoPackage: the layer (.shp name or feature table) and the 0-based row in it. */
  layer?: string;
  row?: number;
}

export interface StagedFeature {
  index: number;
  code: string;
  name: string;
  level: Level;
  /** The GeoJSON geometry, or its JSON text (as the parsing worker sends it). */
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown } | string;
}

const LEVEL_ALIASES: Record<string, Level> = {
  district: 'district',
  street: 'street',
  community: 'community',
  grid: 'grid',
  unit_grid: 'grid',
  区县: 'district',
  区: 'district',
  县: 'district',
  街道: 'street',
  镇: 'street',
  乡: 'street',
  社区: 'community',
  村: 'community',
  网格: 'grid',
  单元网格: 'grid',
};
export const LEVEL_ORDER: Level[] = ['district', 'street', 'community', 'grid'];

/**
 * Attribute names, matched whatever their case, in order of preference: the English names this service writes, the
 * 15-digit unit-grid id of GB/T 30428.1 (单元网格标识码) under the names Chinese survey data gives it (DYWGBM, WGBM,
 * 网格编码…), region codes (区划代码), and last the generic 编码/代码/BM/BSM (BSM is often a mere serial number).
 * GB/T 30428.1 fixes the attributes (标识码, 名称, 面积, 初始日期, 终止日期) but no field names.
 */
export const CODE_FIELDS = [
  'code',
  'gridcode',
  'grid_code',
  'dywgbm',
  'wgbm',
  '单元网格标识码',
  '单元网格编码',
  '网格标识码',
  '网格编码',
  '区划代码',
  '行政区划代码',
  '编码',
  '代码',
  'bm',
  '标识码',
  'bsm',
];
export const NAME_FIELDS = [
  'name',
  'gridname',
  'grid_name',
  'dywgmc',
  'wgmc',
  '单元网格名称',
  '网格名称',
  '名称',
  'mc',
];
export const LEVEL_FIELDS = ['level', '层级', '级别'];

/** The first of `names` present (case-insensitively) among the properties, with its value. */
function field(p: Record<string, unknown>, names: string[]): { key: string; value: unknown } | undefined {
  const byLower = new Map<string, string>();
  for (const k of Object.keys(p)) if (!byLower.has(k.toLowerCase())) byLower.set(k.toLowerCase(), k);
  for (const n of names) {
    const key = byLower.get(n);
    if (key !== undefined && p[key] !== null && p[key] !== undefined && p[key] !== '') return { key, value: p[key] };
  }
  return undefined;
}

export function checkStructure(input: unknown): { features: StagedFeature[]; issues: ImportIssue[] } {
  const issues: ImportIssue[] = [];
  const features: StagedFeature[] = [];
  const fc = input as { type?: unknown; features?: unknown };
  if (!fc || typeof fc !== 'object' || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    return {
      features,
      issues: [{ index: -1, problem: 'the file must be a GeoJSON FeatureCollection with a "features" array' }],
    };
  }
  if (fc.features.length === 0)
    return { features, issues: [{ index: -1, problem: 'the FeatureCollection has no features' }] };
  const seen = new Map<string, number>();
  fc.features.forEach((raw: unknown, index: number) => {
    const f = raw as {
      type?: unknown;
      properties?: Record<string, unknown> | null;
      geometry?: { type?: unknown; coordinates?: unknown } | null;
    };
    const bad = (problem: string, code?: string, location?: [number, number]) =>
      issues.push({ index, code, problem, location });
    if (!f || typeof f !== 'object' || f.type !== 'Feature') return bad('not a GeoJSON Feature');
    const p = f.properties ?? {};
    const rawCode = field(p, CODE_FIELDS)?.value;
    const code = typeof rawCode === 'number' && Number.isSafeInteger(rawCode) ? String(rawCode) : rawCode;
    const cp = codeProblem(code);
    if (cp) return bad(`properties.code: ${cp}`, typeof code === 'string' ? code : undefined);
    const c = code as string;
    const inferred = levelOfCode(c)!;
    let level = inferred;
    const rawLevel = field(p, LEVEL_FIELDS)?.value;
    if (rawLevel !== undefined) {
      const given = LEVEL_ALIASES[String(rawLevel).trim().toLowerCase()];
      if (!given)
        return bad(`properties.level "${String(rawLevel)}" is not one of district, street, community, grid`, c);
      if (given !== inferred)
        return bad(
          `properties.level says ${given} (${CODE_LENGTH[given]} digits) but the code has ${c.length} digits`,
          c,
        );
      level = given;
    }
    const name = field(p, NAME_FIELDS)?.value;
    if (typeof name !== 'string' || name.trim() === '') return bad('properties.name is missing or empty', c);
    if (name.length > 100) return bad(`properties.name is ${name.length} characters; at most 100`, c);
    if (seen.has(c)) return bad(`code ${c} appears twice (also feature ${seen.get(c)})`, c);
    seen.set(c, index);
    const g = f.geometry;
    if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) {
      return bad(`geometry must be a Polygon or MultiPolygon, got ${g ? String(g.type) : 'null'}`, c);
    }
    const geomProblem = checkCoordinates(g.type, g.coordinates);
    if (geomProblem) return bad(geomProblem.problem, c, geomProblem.location);
    features.push({ index, code: c, name: name.trim(), level, geometry: g as StagedFeature['geometry'] });
  });
  return { features, issues };
}

function checkCoordinates(
  type: 'Polygon' | 'MultiPolygon',
  coords: unknown,
): { problem: string; location?: [number, number] } | undefined {
  const polygons = type === 'Polygon' ? [coords] : coords;
  if (!Array.isArray(polygons) || polygons.length === 0) return { problem: `${type} has no coordinates` };
  for (const [pi, rings] of (polygons as unknown[]).entries()) {
    if (!Array.isArray(rings) || rings.length === 0) return { problem: `polygon ${pi} has no rings` };
    for (const [ri, ring] of rings.entries()) {
      const where = `${type === 'MultiPolygon' ? `polygon ${pi} ` : ''}ring ${ri}`;
      if (!Array.isArray(ring) || ring.length < 4) return { problem: `${where} has fewer than 4 positions` };
      for (const pos of ring) {
        if (
          !Array.isArray(pos) ||
          pos.length < 2 ||
          typeof pos[0] !== 'number' ||
          typeof pos[1] !== 'number' ||
          !Number.isFinite(pos[0]) ||
          !Number.isFinite(pos[1])
        ) {
          return { problem: `${where} has a position that is not [lon, lat] numbers: ${JSON.stringify(pos)}` };
        }
        if (Math.abs(pos[0]) > 180 || Math.abs(pos[1]) > 90) {
          return {
            problem: `${where} has [${pos[0]}, ${pos[1]}], outside lon/lat range: the file looks projected (e.g. Gauss–Krüger metres); name its CRS with crs= (e.g. crs=EPSG:4547) or convert it to EPSG:4326/4490 lon/lat first`,
          };
        }
      }
      const a = ring[0],
        b = ring[ring.length - 1];
      if (a[0] !== b[0] || a[1] !== b[1])
        return { problem: `${where} is not closed (first and last positions differ)`, location: [a[0], a[1]] };
    }
  }
  return undefined;
}

/** Parents must come from the file or already exist; returns issues for orphans. */
export function checkParents(features: StagedFeature[], existing: Set<string>): ImportIssue[] {
  const inFile = new Map(features.map((f) => [f.code, f.level]));
  const issues: ImportIssue[] = [];
  for (const f of features) {
    const parent = parentCode(f.code);
    if (parent && !inFile.has(parent) && !existing.has(parent)) {
      issues.push({
        index: f.index,
        code: f.code,
        problem: `parent ${levelOfCode(parent)} ${parent} is neither in the file nor in the database`,
      });
    }
  }
  return issues;
}
