/** Parameters of the demo dispatch data (data/demo-dispatch.json), the loader's options and its summary. */
import fs from 'node:fs';
import type { Logger } from 'pino';
import type { RoadFeature } from '../city/params.js';

export type StreetRef = 'A' | 'B' | number;
type AreaSpec = { street: StreetRef } | 'park' | undefined;

interface DeptParam {
  code: string;
  name: string;
  kind: string;
  parent?: string;
  contact?: string;
  phone?: string;
  fallback?: 'everywhere' | 'street';
  perStreet?: boolean;
  street?: StreetRef;
}
interface RuleParam {
  name: string;
  kind: 'component' | 'matter' | null;
  patterns: string[];
  department: string;
  area?: AreaSpec;
  priority?: number;
  valid_from?: string;
  valid_to?: string;
}
export interface HotspotParam {
  name: string;
  kind: string;
  street: StreetRef;
  weight: number;
  radius_m: number;
}
export type Weights = Record<string, number>;

/** A story place: one of the `hotspots` whose reports follow the story's monthly counts instead of its weight. */
export interface StoryPlace {
  /** The hotspot's name (a landmark of the demo gazetteer; descriptions and addresses carry it). */
  hotspot: string;
  /** What a planner reads about it (README "The leaders' story"). */
  summary: string;
  /** Spread of its reports around the hotspot (metres, one standard deviation east and north). */
  radius_m: number;
  /** Its matters, weighted. */
  categories: Weights;
  /** Reports per calendar month 'YYYY-MM' of the demo's year (scaled by cases / the parameters' cases). */
  reports: Record<string, number>;
}

/**
 * The leaders' story (README "The leaders' story"): a market area growing into a new hot spot, an area improving
 * after a campaign (整治) month, and one department persistently late with its disposals.
 */
export interface StoryParams {
  growing: StoryPlace;
  campaign: StoryPlace & { name: string; month: string };
  late: {
    /** The department's code (a fixed department of `departments`). */
    department: string;
    /** Share of its disposals that run past the disposal deadline (instead of workflow.lateDisposeShare). */
    lateDisposeShare: number;
    /** Share of its disposals sent back by the check (返工; instead of workflow.reworkShare). */
    reworkShare: number;
  };
}

export interface DispatchParams {
  seed: number;
  from: string;
  to: string;
  cases: number;
  departments: DeptParam[];
  rules: RuleParam[];
  park: { name: string; street: StreetRef; radius_m: number };
  areaClasses: { name: string; class: 'A' | 'B' | 'C'; street: StreetRef }[];
  collectors: { areas: number; names: string[]; sharedAreas: number[] };
  /** Census owners (主管) and maintainers (养护) by class: department codes, or 'street' for the street office. */
  components: {
    owner: Record<string, string>;
    maintainer: Record<string, string>;
    caseShare: number;
  };
  channels: Weights;
  categories: Weights;
  seasonal: Record<string, Record<string, number> | string>;
  months: Record<string, number>;
  conditions: Record<string, Weights>;
  hotspotShare: number;
  repeatShare: number;
  repeatHours: [number, number];
  hotspots: HotspotParam[];
  hotspotMix: Record<string, Weights>;
  story: StoryParams;
  workflow: {
    verifyShare: number;
    voidShare: number;
    voidDuplicateShare: number;
    voidAfterVerifyShare: number;
    returnShare: number;
    reassignShare: number;
    parkShare: number;
    parkWorkdays: [number, number];
    lateDisposeShare: number;
    urgeLateShare: number;
    reworkShare: number;
    slowCentreShare: number;
    alternatives: Record<string, string>;
    staff: Record<string, string>;
  };
}

export const DISPATCH_PARAMS = JSON.parse(
  fs.readFileSync(new URL('../../../data/demo-dispatch.json', import.meta.url), 'utf8'),
) as DispatchParams;

export interface DemoDispatchOptions {
  /** PRNG seed (default from data/demo-dispatch.json). Same seed and options → the same data. */
  seed?: number;
  /** About how many cases to report (default from the parameters file). */
  cases?: number;
  /** First and last local day of reports, YYYY-MM-DD (inclusive). The demo's "now" is 10:00 the day after `to`. */
  from?: string;
  to?: string;
  /** The generated city's roads, for the component census (default: regenerated when the city is the shipped one). */
  roads?: RoadFeature[];
  log?: Logger;
}

export interface DemoDispatchSummary {
  departments: number;
  rules: number;
  areaClassZones: number;
  collectors: number;
  collectorAreas: number;
  components: number;
  /** The demo gazetteer: roads, doorplates (building plates included) and landmarks. */
  addresses: { roads: number; doorplates: number; landmarks: number };
  cases: number;
  events: number;
  byState: Record<string, number>;
  voided: number;
  reworked: number;
  parked: number;
  /** Cases disposed after their disposal deadline. */
  disposedLate: number;
  /** Cases open at the demo's "now" whose stage deadline has passed. */
  openOverdue: number;
  /** Actions the replay could not apply (0 unless the workflow code refuses something it should allow). */
  failures: number;
  /** The demo's "now": 10:00 local time on the day after the last day of reports. */
  end: string;
  seconds: number;
}
