/**
 * The demo dispatch data for the demo city (parameters in data/demo-dispatch.json), deterministic from a seed:
 *
 *  - the responsibility library: a supervision centre (属地兜底 everywhere), one street office per street (兜底 of
 *    its street), the professional departments (市政, 园林, 环卫 and a cleaning contractor, 城管执法 with two street
 *    squads, 交警, 电力, 通信, 水务, 燃气), rules by major class, by exact class, by street (regions), by a park
 *    polygon and one time-limited rule that wins on priority; area classes (A = the street at the district's centre,
 *    B = the street nearest to it, the rest C); collectors (监督员) and collector areas (contiguous runs of
 *    communities per street, together covering every live grid exactly once); the component census (~20,000
 *    components along the roads, server/demo/census.ts) with owners and maintainers by class;
 *  - a year of cases, replayed in time order through the real code — intakeCase() for every report and
 *    applyAction() for every workflow step, each with `now` set to the simulated instant — so assignment,
 *    deadlines, duplicates and history are exactly what the service itself produces. Hotspots (markets, schools, a
 *    night market, a bus station) draw dense clusters of their typical matters; the rest spreads over the grids.
 *    Centre and department actions happen in working time (the working calendar); a few per cent of disposals are
 *    late, some cases are reworked (返工), voided (作废, many as duplicates), returned, re-assigned or parked, and
 *    the cases of the last days and weeks are still open in their various states.
 *
 * One concern per module: timeline.ts (the simulated cases, the event queue, actors and working-time helpers, the
 * planning of a disposal), steps.ts (each step through the real code), summary.ts (the figures counted afterwards).
 *
 * The actions are taken by system actors (app_user id null, role admin, names like 「受理员 陈静」 or a department's
 * name): no app_user rows are created, so the server's first-start admin account is unaffected.
 */
import { sql } from 'kysely';
import { loadCalendar } from '../../calendar/store.js';
import type { Database } from '../../db/open.js';
import { setUpLibrary } from './library.js';
import { DISPATCH_PARAMS, type DemoDispatchOptions, type DemoDispatchSummary } from './params.js';
import { CST_MS, localInstant, planReports } from './reports.js';
import { runStep } from './steps.js';
import { summarise } from './summary.js';
import { createTimeline } from './timeline.js';

export async function loadDemoDispatch(
  database: Database,
  opts: DemoDispatchOptions = {},
): Promise<DemoDispatchSummary> {
  const P = DISPATCH_PARAMS;
  const seed = opts.seed ?? P.seed;
  const from = opts.from ?? P.from,
    to = opts.to ?? P.to;
  const nCases = opts.cases ?? P.cases;
  const db = database.db;
  const started = Date.now();
  const log = opts.log;

  const { city, lib } = await setUpLibrary(database, seed, P.collectors.areas, opts.roads);
  if (!lib.departments.has(P.story.late.department)) {
    throw new Error(`demo dispatch: the story's late department '${P.story.late.department}' is not a department`);
  }
  const calendar = await loadCalendar(db);
  const stageMinutes = Object.fromEntries(
    (
      await sql<{ stage: string; minutes: number }>`
    select stage, minutes::float8 as minutes from stage_limit`.execute(db)
    ).rows.map((r) => [r.stage, r.minutes]),
  );
  const categoryName = new Map(
    (
      await sql<{ key: string; name: string }>`
    select kind || ':' || code as key, name from category`.execute(db)
    ).rows.map((r) => [r.key, r.name]),
  );

  const reports = planReports(city, lib, P, seed, nCases, from, to, calendar);
  // The demo's "now": 10:00 on the day after the last day of reports, so that the night's reports wait for the
  // centre and the morning's work is under way.
  const end = localInstant(to, 24 * 60 + 10 * 60).getTime();
  log?.info(
    `demo dispatch: ${lib.counts.departments} departments, ${lib.counts.rules} rules, ${lib.counts.collectors} collectors; replaying ${reports.length} reports ${from} … ${to}`,
  );

  const tl = createTimeline(
    { db, city, lib, calendar, W: P.workflow, late: P.story.late, stageMinutes, categoryName },
    reports,
    seed,
  );
  let failures = 0;
  let lastLog = Date.now();
  for (let e = tl.queue.pop(); e; e = tl.queue.pop()) {
    if (e.t > end) continue; // after the demo's "now": the case stays where it is
    try {
      await runStep(tl, e);
    } catch (err) {
      failures++;
      const s = tl.sims[e.i];
      if (failures <= 5)
        log?.warn(`demo dispatch: case ${s.i} (${s.id}) step ${e.step} failed: ${(err as Error).message}`);
    }
    if (log && Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log.info(`demo dispatch: ${new Date(e.t + CST_MS).toISOString().slice(0, 10)}, ${tl.applied} calls`);
    }
  }
  return summarise(db, lib, { end, failures, started }, log);
}
