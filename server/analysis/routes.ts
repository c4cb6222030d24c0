/**
 * GET /api/analysis/hotspots — Getis–Ord Gi* hot and cold spots of the cases per unit grid or community;
 * GET /api/analysis/emerging — emerging hot spots: Gi* per month or week, Mann–Kendall trends, ArcGIS categories.
 *
 * Readers: the readAnalysis permission (planners and leaders — gis_editor, viewer — dispatchers, admins), over the
 * units of their region scope: the scope is the study area. Not public: the public has the heat map.
 */
import { Readable } from 'node:stream';
import type Koa from 'koa';
import type { Kysely } from 'kysely';
import { scopePrefix } from '../auth/policy.js';
import { parseCategory } from '../cases/queries.js';
import { attachment, encoded } from '../components/export-routes.js';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { emerging, hotspots, weightsOf, type AnalysisParams } from './analyse.js';
import { MIN_STEPS } from './emerging.js';
import { MAX_STEPS } from './periods.js';
import { emergingCsv, emergingGeoJson, hotspotCsv, hotspotGeoJson, type Echo } from './present.js';
import { MAX_PAIRS } from './queries.js';
import { EMERGING_QUERY, HOTSPOT_QUERY } from './schema.js';

const tag = 'analysis';

interface CommonQuery {
  from: string;
  to: string;
  category?: string;
  level: 'grid' | 'community';
  weights: 'contiguity' | 'distance';
  distance_m?: number;
  fdr: boolean;
  geometry: boolean;
  format: 'geojson' | 'csv';
}

function paramsOf(q: CommonQuery, scope: string): { params: AnalysisParams; echo: Echo } {
  const params: AnalysisParams = {
    from: q.from,
    to: q.to,
    category: q.category ? parseCategory(q.category) : undefined,
    level: q.level,
    weights: weightsOf(q.weights, q.distance_m),
    fdr: q.fdr,
    // A CSV has no geometry column: do not read the geometries for it.
    geometry: q.geometry && q.format === 'geojson',
    scope,
  };
  const echo: Echo = {
    from: q.from,
    to: q.to,
    category: q.category ?? null,
    level: q.level,
    weights: q.weights,
    distance_m: q.distance_m ?? null,
    fdr: q.fdr,
  };
  return { params, echo };
}

function send(ctx: Koa.Context, format: 'geojson' | 'csv', name: string, chunks: Iterable<string>): void {
  if (format === 'csv') {
    attachment(ctx, 'text/csv; charset=utf-8', `${name}.csv`);
    ctx.body = Readable.from(encoded(toAsync(chunks), 'utf-8'));
    return;
  }
  ctx.type = 'application/geo+json';
  ctx.body = Readable.from(chunks);
}

async function* toAsync(chunks: Iterable<string>): AsyncGenerator<string> {
  yield* chunks;
}

const COMMON_DOC =
  'Counted: cases reported in [from, to) (days in China Standard Time), not voided, inside the coverage ' +
  '(outside-coverage cases count nowhere), of the category (matter:06010, matter:06; omitted = all), each in the unit it ' +
  'was assigned to (a case whose grid has since been retired counts in the live unit that covers its position). ' +
  'Units: every live unit grid (level=grid) or community (level=community) in your region scope, cases or not — the ' +
  'scope is the study area. Weights: binary, the unit itself included; contiguity = queen (closed polygons sharing at ' +
  'least one point); distance = centroids at most distance_m metres apart on the WGS84 spheroid (distance_m required ' +
  `then; at most ${MAX_PAIRS.toLocaleString('en-US')} pairs). Gi* as ArcGIS Hot Spot Analysis, esda G_Local(star=True), spdep ` +
  'localG with include.self; all counts equal → z = 0, p = 1; p two-sided from the normal; bin ±3 p<0.01, ±2 p<0.05, ' +
  '±1 p<0.10 (sign of z), else 0; fdr=true: against the Benjamini–Hochberg critical p of each level, as ArcGIS. ' +
  'geometry=false leaves geometries out (join on code with the grids tile layer); format=csv: one row per unit.';

export function analysisRoutes(api: Api, db: Kysely<DB>): void {
  api.route(
    {
      method: 'get',
      path: '/api/analysis/hotspots',
      tag,
      permission: 'readAnalysis',
      summary: 'Hot and cold spots (Getis–Ord Gi*) of the cases per unit grid or community',
      description:
        `${COMMON_DOC} A GeoJSON FeatureCollection, one feature per unit in code order with properties code, name, ` +
        'count, z, p, bin (−3…3) and neighbours (the unit and its neighbours); `analysis` echoes the parameters with ' +
        'units, cases and critical_p (the FDR critical p per confidence level "90", "95", "99"; null without fdr).',
      query: HOTSPOT_QUERY,
      produces: 'application/geo+json',
      errors: { 400: 'a bad period, category or weights (distance_m missing, or too many neighbour pairs)' },
    },
    async (ctx, { query, user }) => {
      const { params, echo } = paramsOf(query, scopePrefix(user));
      const h = await hotspots(db, params);
      send(
        ctx,
        query.format,
        `wangge-hotspots-${query.level}-${query.from}-${query.to}`,
        query.format === 'csv' ? hotspotCsv(h) : hotspotGeoJson(h, echo),
      );
    },
  );

  api.route(
    {
      method: 'get',
      path: '/api/analysis/emerging',
      tag,
      permission: 'readAnalysis',
      summary: 'Emerging hot spots: Gi* per month or week, Mann–Kendall trends and the ArcGIS categories per unit',
      description:
        `${COMMON_DOC} Steps: step=month cuts [from, to) into calendar months (from and to on the 1st), step=week into ` +
        `7-day weeks from \`from\`; ${MIN_STEPS} to ${MAX_STEPS} steps. Each step's Gi* is that of the hot spot analysis ` +
        'of the step (fdr defaults to true here, as in ArcGIS). Per unit: count, count_trend and gi_trend (Mann–Kendall ' +
        '{tau, z, p} of the counts and of the Gi* z-scores), category (new_hot_spot … historical_cold_spot, no_pattern), ' +
        'category_code (ArcGIS: 1…8 hot, −1…−8 cold, 0), category_label (Chinese) and, unless series=false, counts, z ' +
        'and bins per step. `analysis.steps` lists the steps with their cases and critical_p; `analysis.categories` the ' +
        'units per category.',
      query: EMERGING_QUERY,
      produces: 'application/geo+json',
      errors: { 400: 'a bad period or step count, category or weights' },
    },
    async (ctx, { query, user }) => {
      const { params, echo } = paramsOf(query, scopePrefix(user));
      const e = await emerging(db, { ...params, step: query.step });
      send(
        ctx,
        query.format,
        `wangge-emerging-${query.level}-${query.from}-${query.to}`,
        query.format === 'csv'
          ? emergingCsv(e, query.series)
          : emergingGeoJson(e, { ...echo, step: query.step }, query.series),
      );
    },
  );
}
