/** The demo city's shipped parameters (data/demo-city.json), its derived constants and its public types. */
import fs from 'node:fs';
import type { Feature, LineString, MultiPolygon, Polygon } from 'geojson';

/** Shipped parameters: data/demo-city.json. */
const PARAMS = JSON.parse(fs.readFileSync(new URL('../../../data/demo-city.json', import.meta.url), 'utf8')) as {
  districtCode: string;
  districtName: string;
  seed: number;
  targetGrids: number;
  center: [number, number];
  latticeCellMetres: { min: number; max: number };
  arterialSpacingMetres: { min: number; max: number };
  gridsPerCommunity: number;
  communitiesPerStreet: number;
};

export const DEMO_DISTRICT_CODE = PARAMS.districtCode;
export const DEMO_DISTRICT_NAME = PARAMS.districtName;
export const DEFAULT_SEED = PARAMS.seed;
export const DEFAULT_TARGET_GRIDS = PARAMS.targetGrids;
/** Centre of the district, [lon, lat]. */
export const DEMO_CENTER: [number, number] = PARAMS.center;
export const MAX_TARGET_GRIDS = 500_000;

export const CELL_MIN = PARAMS.latticeCellMetres.min;
export const CELL_MAX = PARAMS.latticeCellMetres.max;
export const CELL_MEAN = (CELL_MIN + CELL_MAX) / 2;
/** Empirical mean number of lattice cells per unit grid (calibrated so targetGrids comes out about right). */
export const CELLS_PER_GRID = 1.89;
export const ARTERIAL_MIN = PARAMS.arterialSpacingMetres.min;
export const ARTERIAL_MAX = PARAMS.arterialSpacingMetres.max;
export const GRIDS_PER_COMMUNITY = PARAMS.gridsPerCommunity;
export const COMMUNITIES_PER_STREET = PARAMS.communitiesPerStreet;
export const MAX_CHILDREN = 999;

export interface CityOptions {
  /** PRNG seed (integer; default 20261124). Same seed and targetGrids → identical output. */
  seed?: number;
  /** About how many unit grids to make (default 2,500 ≈ 25 km²; 100,000 ≈ 1,000 km²). */
  targetGrids?: number;
}

export type CityLevel = 'district' | 'street' | 'community' | 'grid';

export interface CityFeatureProps {
  code: string;
  name: string;
  level: CityLevel;
}

export interface RoadProps {
  name: string;
  kind: 'arterial' | 'local';
}

export type CityFeature = Feature<Polygon | MultiPolygon, CityFeatureProps>;
export type RoadFeature = Feature<LineString, RoadProps>;

export interface CityStats {
  seed: number;
  targetGrids: number;
  districts: number;
  streets: number;
  communities: number;
  grids: number;
  /** Grids that are MultiPolygons (two cells touching at a corner). */
  multiPolygonGrids: number;
  /** Grids whose polygon has a hole (a ring around a park grid). */
  holedGrids: number;
  /** Park grids (each fills the hole of a holed grid). */
  parkGrids: number;
  roads: { arterial: number; local: number };
  /** Planar area in the local metric plane (≈ geodesic area; within a few tenths of a percent). */
  totalAreaM2: number;
  gridAreaM2: { min: number; median: number; mean: number; max: number };
  gridsPerCommunity: { min: number; mean: number; max: number };
  communitiesPerStreet: { min: number; mean: number; max: number };
  lattice: { columns: number; rows: number; cells: number; districtCells: number; blocks: number; vertices: number };
  /** [west, south, east, north] of the district. */
  bbox: [number, number, number, number];
}

export interface City {
  /** District, then streets, communities, grids; each level ordered by code. */
  features: CityFeature[];
  roads: RoadFeature[];
  stats: CityStats;
}
