/**
 * The two analyses as functions a test can call without HTTP: read the units, their neighbour lists and the counts
 * in one repeatable-read transaction, then compute in memory (gistar.ts, emerging.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { badRequest } from '../http/problem.js';
import { emergingHotSpots, type Emerging } from './emerging.js';
import { giStar, hotSpotBins, type CriticalP, type GiStar } from './gistar.js';
import { inScope, unitLists, type ScopedUnits } from './neighbours.js';
import { chinaMidnight, checkPeriod, stepsOf, type Step, type StepKind } from './periods.js';
import { countCases, unitGeometries, type Level, type Weights } from './queries.js';

export interface AnalysisParams {
  from: string;
  to: string;
  /** matter:06010, matter:06 … (parsed by the cases' parseCategory). */
  category?: { kind: string; pattern: string };
  level: Level;
  weights: Weights;
  fdr: boolean;
  geometry: boolean;
  /** The reader's region scope: a code prefix, '' = everywhere. */
  scope: string;
}

/** The weights of the query: distance_m is required with (and only with) weights=distance. */
export function weightsOf(kind: 'contiguity' | 'distance', distanceM: number | undefined): Weights {
  if (kind === 'distance') {
    if (distanceM === undefined) {
      throw badRequest('weights=distance needs distance_m: the largest distance between centroids in metres, e.g. 500');
    }
    return { kind, distanceM };
  }
  if (distanceM !== undefined) {
    throw badRequest('distance_m applies only to weights=distance (contiguity weights take no distance)');
  }
  return { kind };
}

export interface Hotspots {
  units: ScopedUnits;
  counts: Int32Array;
  gi: GiStar;
  bin: Int8Array;
  critical: CriticalP | null;
  geometries?: Map<string, string>;
}

export interface EmergingResult {
  units: ScopedUnits;
  steps: Step[];
  /** counts[t][i]: cases of unit i in step t. */
  counts: Int32Array[];
  result: Emerging;
  geometries?: Map<string, string>;
}

/** Reads the units in scope, their neighbour lists, the counts per step and (optionally) the geometries. */
async function read(db: Kysely<DB>, p: AnalysisParams, bounds: Date[]) {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // Aggregating ~100k groups by code needs more than the default 4 MB to stay in memory; and the spatial joins'
      // cost estimates would otherwise start a JIT compilation that takes longer than the query (~0.6 s at 100k grids).
      await sql`set local work_mem = '64MB'`.execute(trx);
      await sql`set local jit = off`.execute(trx);
      const all = await unitLists(db, trx, p.level, p.weights);
      const units = inScope(all, p.scope);
      const steps = bounds.length - 1;
      const counts = Array.from({ length: steps }, () => new Int32Array(units.codes.length));
      const live = (code: string) => all.index.has(code);
      for (const row of await countCases(trx, p.level, { bounds, category: p.category }, live)) {
        const i = units.index.get(row.code);
        if (i === undefined) continue;
        for (let k = 0; k < row.t.length; k++) counts[row.t[k]][i] += row.n[k];
      }
      const geometries = p.geometry ? await unitGeometries(trx, p.level, p.scope) : undefined;
      return { units, counts, geometries };
    });
}

/** Gi* hot and cold spots of the cases of [from, to) over the units in the reader's scope. */
export async function hotspots(db: Kysely<DB>, p: AnalysisParams): Promise<Hotspots> {
  checkPeriod(p.from, p.to);
  const { units, counts, geometries } = await read(db, p, [chinaMidnight(p.from), chinaMidnight(p.to)]);
  const gi = giStar(counts[0], units.nb);
  const { bin, critical } = hotSpotBins(gi.z, gi.p, p.fdr);
  return { units, counts: counts[0], gi, bin, critical, geometries };
}

/** Emerging hot spots of the cases of [from, to) in steps of a month or a week. */
export async function emerging(db: Kysely<DB>, p: AnalysisParams & { step: StepKind }): Promise<EmergingResult> {
  const steps = stepsOf(p.from, p.to, p.step);
  const bounds = [...steps.map((s) => chinaMidnight(s.from)), chinaMidnight(p.to)];
  const { units, counts, geometries } = await read(db, p, bounds);
  return { units, steps, counts, result: emergingHotSpots(counts, units.nb, p.fdr), geometries };
}
