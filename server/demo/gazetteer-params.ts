/** Parameters of the demo city's address gazetteer (data/demo-gazetteer.json) and the planner's public types. */
import fs from 'node:fs';
import type { MultiLineString, MultiPolygon, Point, Polygon } from 'geojson';
import type { FormerName } from '../addresses/row.js';
import type { RoadKind } from './census-params.js';

export interface LandmarkItem {
  /** A name, or a template with {community}, {street} or {district}. */
  name: string;
  category: string;
  aliases: string[];
  /** One per community or street (all, or `count` of them drawn); else one in the district. */
  per?: 'community' | 'street';
  count?: number;
}

export interface GazetteerParams {
  roads: {
    /** Share of the roads that get an alias: the name with its suffix swapped (…大道 → …路). */
    aliasShare: number;
    aliasSuffix: Record<string, string>;
    /** Former names, each given to one road of the kind (drawn). */
    former: { roadKind: RoadKind; name: string; until: string }[];
  };
  doorplates: {
    spacing: [number, number];
    setback: [number, number];
    /** No doorplate within the crossing road's half-width plus its sidewalk plus this of a junction. */
    junctionClear: number;
    /** Share of the numbers left out (a plate that is not there: interpolation has gaps to fill). */
    gapShare: number;
    /** Compounds: share of the doorplates with building plates 1…n behind them (`along` apart, rows `depth` deep). */
    compounds: { share: number; buildings: [number, number]; along: number; depth: number; clearance: number };
  };
  landmarks: {
    /** Clear of every road's sidewalk by at least this. */
    margin: number;
    hotspots: Record<string, { category: string; aliases: string[] }>;
    park: { category: string; aliases: string[] };
    ringParks: { name: string; category: string; aliases: string[] };
    items: LandmarkItem[];
  };
}

export const GAZETTEER_PARAMS = JSON.parse(
  fs.readFileSync(new URL('../../data/demo-gazetteer.json', import.meta.url), 'utf8'),
) as GazetteerParams;

export interface PlannedRoad {
  name: string;
  kind: RoadKind;
  aliases: string[];
  former: FormerName[];
  /** The road's runs (a road that leaves the district and comes back has two). */
  geometry: MultiLineString;
}

export interface PlannedDoorplate {
  road: string;
  number: number;
  /** '' for the doorplate itself, '1', '2'… for the building plates behind it. */
  building: string;
  /** -1 left (odd numbers), 1 right (even) of the road's direction: the side server/addresses/publish.ts derives. */
  side: -1 | 1;
  lon: number;
  lat: number;
}

export interface PlannedLandmark {
  name: string;
  aliases: string[];
  category: string;
  geometry: Point | Polygon | MultiPolygon;
}

export interface GazetteerPlan {
  roads: PlannedRoad[];
  doorplates: PlannedDoorplate[];
  landmarks: PlannedLandmark[];
}
