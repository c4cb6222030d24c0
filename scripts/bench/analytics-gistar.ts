/**
 * bench:analytics parts `gistar` and `emerging`: hotspots() and emerging() of server/analysis on the fixture's two
 * years, in-process and over HTTP (the real app, a real viewer token, GET /api/analysis/hotspots|emerging), cold
 * (neighbour lists computed: the cache emptied before each run) and warm; against R spdep's localG (include.self,
 * binary weights) on the same counts and the same neighbour lists (analytics-spdep.R), its z-scores compared.
 */
import { createUser } from '../../server/auth/tokens.js';
import { emerging, hotspots, type AnalysisParams } from '../../server/analysis/analyse.js';
import { giStar, giStarZ } from '../../server/analysis/gistar.js';
import { clearNeighbourCache } from '../../server/analysis/neighbours.js';
import type { Database } from '../../server/db/index.js';
import { f2, mb, printTable, startServer } from './harness.js';
import {
  maxAbsDiff,
  runSpdep,
  spdepMissing,
  timed,
  timingCells,
  TIMING_HEAD,
  type Spdep,
  type Timing,
} from './analytics-measure.js';

export interface GiStarOptions {
  database: Database;
  dbName: string;
  runs: number;
  distanceM: number;
  from: string;
  to: string;
  log: (msg: string) => void;
}

/** The fastest of `runs` runs of a synchronous computation, ms. */
function fastest(runs: number, fn: () => unknown): number {
  let best = Infinity;
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const sec = (s: number) => `${f2(s)} s`;
const ratio = (ours: number, theirs: number) => `${f2(ours / theirs)}×`;

/** Whether spdep runs here; prints the reason once when not. */
let missing: string | null | undefined;
async function spdepReady(log: (m: string) => void): Promise<boolean> {
  if (missing === undefined) {
    missing = await spdepMissing();
    if (missing) log(`spdep: not installed (${missing}); the anchor columns stay empty`);
  }
  return missing === null;
}

/** One row of the spdep comparison. */
function spdepRow(
  label: string,
  ours: Timing,
  alone: number,
  r: Spdep | null,
  dz: number | null,
  entries: number,
): string[] {
  const a = `${alone.toFixed(1)} ms`;
  if (!r) return [label, entries.toLocaleString('en-US'), a, 'not installed', '', '', '', '', '', '', ''];
  return [
    label,
    entries.toLocaleString('en-US'),
    a,
    sec(r.lists),
    sec(r.localG),
    sec(r.whole),
    mb(r.rss),
    ratio(alone / 1000, r.localG),
    ratio(ours.wall / 1000, r.localG),
    ratio(ours.wall / 1000, r.whole),
    dz === null ? '' : dz.toExponential(1),
  ];
}

const SPDEP_HEAD = [
  'what',
  'neighbour entries',
  'ours: statistic alone',
  'R nb + listw',
  'R localG',
  'R whole run',
  'R peak MB',
  'statistic / localG',
  'ours warm / localG',
  'ours warm / R whole',
  'max \\|Δz\\|',
];

export async function benchGiStar(o: GiStarOptions): Promise<void> {
  const db = o.database.db;
  const base: AnalysisParams = {
    from: o.from,
    to: o.to,
    level: 'grid',
    weights: { kind: 'contiguity' },
    fdr: false,
    geometry: false,
    scope: '',
  };
  const kinds = [
    { label: 'contiguity (queen)', p: base, q: 'weights=contiguity' },
    {
      label: `distance ${o.distanceM} m`,
      p: { ...base, weights: { kind: 'distance' as const, distanceM: o.distanceM } },
      q: `weights=distance&distance_m=${o.distanceM}`,
    },
  ];
  const rows: string[][] = [];
  const spdepRows: string[][] = [];
  const cold = () => clearNeighbourCache(db);
  for (const k of kinds) {
    o.log(`Gi* ${k.label}: in-process`);
    const c = await timed(o.dbName, o.runs, () => hotspots(db, k.p), cold);
    rows.push([`Gi* ${k.label}, in-process, cold (lists computed)`, ...timingCells(c.t)]);
    const w = await timed(o.dbName, o.runs, () => hotspots(db, k.p));
    rows.push([`Gi* ${k.label}, in-process, warm`, ...timingCells(w.t)]);
    const h = w.last;
    const entries = h.units.nb.targets.length;
    o.log(
      `  ${h.units.codes.length} units, ${entries} neighbour entries, ${h.counts.reduce((a, b) => a + b, 0)} cases`,
    );
    const alone = fastest(o.runs, () => giStar(h.counts, h.units.nb));
    if (await spdepReady(o.log)) {
      o.log(`  spdep localG on the same counts and lists`);
      const r = await runSpdep(h.units.nb, [h.counts]);
      const dz = maxAbsDiff([h.gi.z], r.z);
      spdepRows.push(spdepRow(`Gi* ${k.label}`, w.t, alone, r, dz, entries));
    } else spdepRows.push(spdepRow(`Gi* ${k.label}`, w.t, alone, null, null, entries));
  }

  o.log('emerging, months');
  const ep = { ...base, step: 'month' as const };
  const e = await timed(o.dbName, o.runs, () => emerging(db, ep));
  const steps = e.last.steps.length;
  const nb = e.last.units.nb;
  const alone = fastest(o.runs, () => e.last.counts.forEach((x) => giStarZ(x, nb)));
  rows.push([`emerging, ${steps} months, contiguity, in-process, lists cached`, ...timingCells(e.t)]);
  if (await spdepReady(o.log)) {
    o.log(`  spdep localG on each of the ${steps} months`);
    const r = await runSpdep(e.last.units.nb, e.last.counts);
    const dz = maxAbsDiff(
      e.last.result.steps.map((s) => s.z),
      r.z,
    );
    spdepRows.push(spdepRow(`emerging: Gi* of ${steps} months (localG summed)`, e.t, alone, r, dz, nb.targets.length));
  } else spdepRows.push(spdepRow(`emerging: Gi* of ${steps} months`, e.t, alone, null, null, nb.targets.length));

  o.log('over HTTP');
  const server = await startServer(o.database);
  try {
    const { token } = await createUser(db, `bench-analytics-${Date.now()}`, 'viewer');
    const get = async (path: string) => {
      const r = await fetch(server.url + path, { headers: { Authorization: `Bearer ${token}` } });
      const bytes = (await r.arrayBuffer()).byteLength;
      if (r.status !== 200) throw new Error(`HTTP ${r.status} for ${path}`);
      return bytes;
    };
    const period = `from=${o.from}&to=${o.to}`;
    for (const k of kinds) {
      const path = `/api/analysis/hotspots?${period}&${k.q}&geometry=false`;
      const c = await timed(o.dbName, o.runs, () => get(path), cold);
      rows.push([`GET hotspots ${k.label}, geometry=false, cold (${mb(c.last)} MB)`, ...timingCells(c.t)]);
      const w = await timed(o.dbName, o.runs, () => get(path));
      rows.push([`GET hotspots ${k.label}, geometry=false, warm`, ...timingCells(w.t)]);
    }
    const g = await timed(o.dbName, o.runs, () => get(`/api/analysis/hotspots?${period}`));
    rows.push([`GET hotspots contiguity, with geometry, warm (${mb(g.last)} MB)`, ...timingCells(g.t)]);
    const eh = await timed(o.dbName, o.runs, () => get(`/api/analysis/emerging?${period}&step=month&geometry=false`));
    rows.push([`GET emerging months, geometry=false, warm (${mb(eh.last)} MB)`, ...timingCells(eh.t)]);
  } finally {
    await server.close();
  }
  console.log(`\n### Gi* hot spots and emerging hot spots (${o.from} – ${o.to}, grids)\n`);
  printTable(['what', ...TIMING_HEAD], rows);
  console.log(`\n#### Against R spdep localG (include.self, binary weights) on the same counts and neighbour lists\n`);
  printTable(SPDEP_HEAD, spdepRows);
}
