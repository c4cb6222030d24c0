/** The replay's summary: what the case tables hold after it, counted in the database, and its log line. */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../../db/schema.js';
import type { Library } from './library.js';
import type { DemoDispatchSummary } from './params.js';

export async function summarise(
  db: Kysely<DB>,
  lib: Library,
  run: { end: number; failures: number; started: number },
  log?: Pick<Logger, 'info'>,
): Promise<DemoDispatchSummary> {
  const { end, failures } = run;
  const stats = (
    await sql<{
      state: string;
      n: number;
    }>`select state, count(*)::int as n from case_record group by state order by state`.execute(db)
  ).rows;
  const byState = Object.fromEntries(stats.map((r) => [r.state, r.n]));
  const figures = (
    await sql<{ cases: number; events: number; reworked: number; late: number; open_overdue: number; parked: number }>`
    select (select count(*)::int from case_record) as cases,
           (select count(*)::int from case_event) as events,
           (select count(*)::int from case_record where rework_count > 0) as reworked,
           (select count(distinct case_id)::int from (
              select case_id, action, at, lag(deadline) over (partition by case_id order by id) as due from case_event) e
            where action = 'dispose' and due is not null and at > due) as late,
           (select count(*)::int from case_record where state not in ('closed', 'voided', 'parked')
              and stage_deadline < ${new Date(end)}) as open_overdue,
           (select count(distinct case_id)::int from case_event where action = 'park') as parked`.execute(db)
  ).rows[0];
  const summary: DemoDispatchSummary = {
    departments: lib.counts.departments,
    rules: lib.counts.rules,
    areaClassZones: lib.counts.zones,
    collectors: lib.counts.collectors,
    collectorAreas: lib.counts.areas,
    components: lib.counts.components,
    addresses: lib.counts.addresses,
    cases: figures.cases,
    events: figures.events,
    byState,
    voided: byState.voided ?? 0,
    reworked: figures.reworked,
    parked: figures.parked,
    disposedLate: figures.late,
    openOverdue: figures.open_overdue,
    failures,
    end: new Date(end).toISOString(),
    seconds: (Date.now() - run.started) / 1000,
  };
  const open = Object.entries(byState)
    .filter(([k]) => k !== 'closed' && k !== 'voided')
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  log?.info(
    `demo dispatch: ${summary.cases} cases (${summary.events} events) in ${summary.seconds.toFixed(1)} s: ` +
      `${byState.closed ?? 0} closed, open ${open || 'none'}; ` +
      `${summary.disposedLate} disposed late, ${summary.openOverdue} open past deadline, ${summary.reworked} reworked, ` +
      `${summary.voided} voided, ${summary.parked} parked (${summary.byState.parked ?? 0} still)${failures ? `, ${failures} failed actions` : ''}`,
  );
  return summary;
}
