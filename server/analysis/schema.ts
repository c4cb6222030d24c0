/** TypeBox schemas (plain JSON Schema at run time) of the analysis routes; their static types are the routes' inputs. */
import Type from 'typebox';
import { CATEGORY_FILTER } from '../cases/schema.js';
import { Defaulted } from '../http/types.js';

const date = (what: string) =>
  Type.String({ format: 'date', description: `${what}, YYYY-MM-DD, a day in China Standard Time` });

const common = {
  from: date('first day of the period (inclusive)'),
  to: date('day after the period (exclusive)'),
  category: Type.Optional(CATEGORY_FILTER),
  level: Defaulted(
    Type.Enum(['grid', 'community'] as const, {
      type: 'string',
      default: 'grid',
      description: 'the units: live unit grids or live communities in your region scope',
    }),
  ),
  weights: Defaulted(
    Type.Enum(['contiguity', 'distance'] as const, {
      type: 'string',
      default: 'contiguity',
      description: 'contiguity: queen (units sharing at least one point); distance: centroids within distance_m',
    }),
  ),
  distance_m: Type.Optional(
    Type.Number({
      minimum: 1,
      maximum: 100000,
      description: 'required with weights=distance: the largest geodesic distance between centroids, in metres',
    }),
  ),
  geometry: Defaulted(Type.Boolean({ default: true, description: 'false leaves the geometries out (join on code)' })),
  format: Defaulted(
    Type.Enum(['geojson', 'csv'] as const, {
      type: 'string',
      default: 'geojson',
      description: 'csv: one row per unit, UTF-8 with a BOM',
    }),
  ),
};

export const HOTSPOT_QUERY = Type.Object(
  {
    ...common,
    fdr: Defaulted(
      Type.Boolean({
        default: false,
        description: 'true: bins against the Benjamini–Hochberg critical p of each confidence level (as ArcGIS)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EMERGING_QUERY = Type.Object(
  {
    ...common,
    step: Defaulted(
      Type.Enum(['month', 'week'] as const, {
        type: 'string',
        default: 'month',
        description: 'month: calendar months (from and to on the 1st); week: 7 days from `from`',
      }),
    ),
    fdr: Defaulted(
      Type.Boolean({
        default: true,
        description: "the FDR correction of each step's bins (on by default, as in ArcGIS's emerging hot spots)",
      }),
    ),
    series: Defaulted(
      Type.Boolean({
        default: true,
        description: "false leaves out each unit's per-step counts, z-scores and bins",
      }),
    ),
  },
  { additionalProperties: false },
);
