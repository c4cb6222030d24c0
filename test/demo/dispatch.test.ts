/**
 * The demo dispatch data (server/demo/dispatch.ts) on the demo city: the responsibility library it builds, and a
 * (shortened: CASES reports over the year) replay of cases through the real intake and workflow code. One load per
 * database — the replay is slow on PGlite — plus a second one with the same options for determinism.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { loadDemoCity } from '../../server/demo/load.js';
import { DISPATCH_PARAMS, type DemoDispatchSummary } from '../../server/demo/dispatch.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';

const CASES = 200;

describe(`demo dispatch data (${DRIVER})`, function () {
  this.timeout(600_000);
  let database: Database;
  let summary: DemoDispatchSummary;

  before(async () => {
    database = await openTestDatabase();
    summary = (await loadDemoCity(database, { dispatch: { cases: CASES } })).dispatch!;
  });
  after(async () => database?.close());

  const rows = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(database.db)).rows;
  const one = async <T>(q: ReturnType<typeof sql<T>>) => (await rows(q))[0];

  it('builds the responsibility library: departments with fallbacks, rules, area classes, 11 collectors and areas, components', async () => {
    const streets = (
      await rows(sql<{ code: string }>`select code from region where level = 'street' order by code`)
    ).map((r) => r.code);
    expect(streets).to.have.length(4);
    const depts = await rows(sql<{ code: string; kind: string; fallback_for: string | null }>`
      select code, kind, fallback_for from department order by code`);
    const fixed = DISPATCH_PARAMS.departments.filter((d) => !d.perStreet).length;
    expect(depts).to.have.length(fixed + streets.length);
    expect(depts.filter((d) => d.fallback_for === '').map((d) => d.kind)).to.deep.equal(['监督中心']);
    expect(
      depts
        .filter((d) => d.kind === '街道办')
        .map((d) => d.fallback_for)
        .sort(),
    ).to.deep.equal(streets);
    for (const kind of ['市政', '园林', '环卫', '城管执法', '交警', '电力', '通信运营商', '水务', '燃气']) {
      expect(
        depts.map((d) => d.kind),
        kind,
      ).to.include(kind);
    }
    const ruleCount = DISPATCH_PARAMS.rules.reduce((n, r) => n + r.patterns.length, 0);
    const rules = await one(sql<{ n: number; regions: number; polygons: number; prioritised: number; dated: number }>`
      select count(*)::int as n, count(*) filter (where area_kind = 'regions')::int as regions,
             count(*) filter (where area_kind = 'polygon' and area_m2 > 0)::int as polygons,
             count(*) filter (where priority > 0)::int as prioritised,
             count(*) filter (where valid_from is not null)::int as dated from resp_rule`);
    expect(rules).to.deep.equal({ n: ruleCount, regions: 5, polygons: 1, prioritised: 1, dated: 1 });
    expect(summary.rules).to.equal(ruleCount);
    const zones = await rows(
      sql<{ class: string; codes: string[] }>`select class, area_codes as codes from area_class_zone order by class`,
    );
    expect(zones.map((z) => z.class)).to.deep.equal(['A', 'B']);
    expect(zones.every((z) => z.codes.length === 1 && streets.includes(z.codes[0]))).to.equal(true);
    expect(zones[0].codes[0]).to.not.equal(zones[1].codes[0]);
    const people = await one(sql<{ collectors: number; areas: number; min: number; max: number; unused: number }>`
      select (select count(*)::int from collector) as collectors, count(*)::int as areas,
             min(cardinality(collector_ids))::int as min, max(cardinality(collector_ids))::int as max,
             (select count(*)::int from collector c where not exists (select 1 from collector_area a where c.id = any(a.collector_ids))) as unused
      from collector_area`);
    expect(people).to.deep.equal({ collectors: 11, areas: 11, min: 1, max: 2, unused: 0 });
    const comps = await one(sql<{ n: number; maintained: number; owned: number; placed: number }>`
      select count(*)::int as n, count(maintainer_code)::int as maintained, count(owner_code)::int as owned,
             count(*) filter (where exists (select 1 from unit_grid g where ST_Covers(g.geom, c.geom)))::int as placed
      from component c`);
    // The census (server/demo/census.ts, exact figures in census.test.ts): every component owned and placed; the
    // classes without a maintainer in the parameters (e.g. 通信井盖, 报刊亭) go to their owner.
    expect(comps.n).to.equal(19_856);
    expect(summary.components).to.equal(comps.n);
    expect(comps.owned).to.equal(comps.n);
    expect(comps.placed).to.equal(comps.n);
    expect(comps.maintained).to.be.within(comps.n * 0.8, comps.n - 1);
    // No accounts: the server's first start still creates (and prints) the admin.
    expect((await one(sql<{ n: number }>`select count(*)::int as n from app_user`)).n).to.equal(0);
  });

  it('puts every live grid in exactly one collector area', async () => {
    const r = await one(sql<{ grids: number; once: number; listed: number; dead: number }>`
      with listed as (select unnest(grid_codes) as code from collector_area)
      select (select count(*)::int from unit_grid where termination_date is null) as grids,
             (select count(*)::int from (select code from listed group by code having count(*) = 1) x) as once,
             (select count(*)::int from listed) as listed,
             (select count(*)::int from listed l where not exists (select 1 from unit_grid g where g.code = l.code and g.termination_date is null)) as dead`);
    expect(r.grids).to.be.within(2000, 3000);
    expect(r).to.deep.equal({ grids: r.grids, once: r.grids, listed: r.grids, dead: 0 });
  });

  it('replays every case through intake and the workflow: histories start with report and chain their states', async () => {
    expect(summary.failures).to.equal(0);
    expect(summary.cases).to.equal(CASES);
    const bad = await one(sql<{
      first: number;
      chain: number;
      last: number;
      order: number;
      reported: number;
      closed: number;
      n: number;
    }>`
      with e as (
        select ev.*, row_number() over (partition by case_id order by id) as k,
               lag(to_state) over (partition by case_id order by id) as prev_state,
               lag(at) over (partition by case_id order by id) as prev_at,
               lead(id) over (partition by case_id order by id) as next_id
        from case_event ev)
      select
        (select count(*)::int from e where k = 1 and (action <> 'report' or from_state is not null or to_state <> 'reported')) as first,
        (select count(*)::int from e where k > 1 and from_state is distinct from prev_state) as chain,
        (select count(*)::int from e join case_record c on c.id = e.case_id where e.next_id is null and e.to_state <> c.state) as last,
        (select count(*)::int from e where k > 1 and at < prev_at) as order,
        (select count(*)::int from e join case_record c on c.id = e.case_id where k = 1 and e.at <> c.reported_at) as reported,
        (select count(*)::int from case_record where (state in ('closed', 'voided')) <> (closed_at is not null)) as closed,
        (select count(distinct case_id)::int from case_event) as n`);
    expect(bad).to.deep.equal({ first: 0, chain: 0, last: 0, order: 0, reported: 0, closed: 0, n: CASES });
    const states = await rows(sql<{ state: string }>`select distinct state from case_record`);
    expect(states.map((s) => s.state)).to.include.members(['closed', 'voided']);
    expect(summary.byState.closed / CASES).to.be.above(0.8);
  });

  it('has late disposals, reworks (返工), voided (作废) and parked (挂账) cases, a few per cent each', async () => {
    expect(summary.disposedLate / CASES).to.be.within(0.01, 0.15);
    expect(summary.reworked / CASES).to.be.within(0.01, 0.15);
    expect(summary.voided / CASES).to.be.within(0.01, 0.15);
    expect(summary.parked).to.be.above(0);
    const r = await one(sql<{ reworks: number; counted: number; late: number }>`
      select (select count(*)::int from case_event where action = 'rework') as reworks,
             (select coalesce(sum(rework_count), 0)::int from case_record) as counted,
             (select count(distinct e.case_id)::int from case_event e
                join lateral (select deadline from case_event p where p.case_id = e.case_id and p.id < e.id order by p.id desc limit 1) p on true
               where e.action = 'dispose' and e.at > p.deadline) as late`);
    expect(r.reworks).to.equal(r.counted);
    expect(r.late).to.equal(summary.disposedLate);
  });

  it('assigns by component maintainer, rules and street fallbacks, as the service does', async () => {
    const sources = Object.fromEntries(
      (
        await rows(sql<{ source: string; n: number }>`
      select assignment->'matched'->>'source' as source, count(*)::int as n from case_record group by 1`)
      ).map((r) => [r.source, r.n]),
    );
    expect(sources.rule).to.be.above(CASES / 2);
    expect(sources.fallback).to.be.above(0);
    expect(sources.component).to.be.above(0);
    // A component case goes to the component's maintainer (else its owner), whatever the rules say.
    const comp = await rows(sql<{ dept: string; expected: string }>`
      select c.department_code as dept, coalesce(k.maintainer_code, k.owner_code) as expected
      from case_record c join component k on k.code = c.component_code
      where not exists (select 1 from case_event e where e.case_id = c.id and e.action in ('return', 'reassign'))`);
    expect(comp.length).to.be.above(0);
    expect(comp.every((x) => x.dept === x.expected)).to.equal(true);
    // Repeat reports find the earlier case as a suggested duplicate; most of them are voided as such.
    const dups = await one(sql<{ suggested: number; voided: number }>`
      select count(*)::int as suggested, count(*) filter (where state = 'voided')::int as voided
      from case_record where jsonb_array_length(duplicates) > 0`);
    expect(dups.suggested).to.be.above(0);
    expect(dups.voided).to.be.above(0);
    const r = await one(sql<{ departments: number; classes: number; areas: number; mix: number }>`
      select count(distinct department_code)::int as departments, count(distinct area_class)::int as classes,
             count(distinct collector_area_id)::int as areas,
             (count(*) filter (where category_kind = 'matter' and left(category_code, 2) in ('06', '09')))::float8 / count(*) as mix
      from case_record`);
    expect(r.departments).to.be.at.least(8);
    expect(r.classes).to.equal(3);
    expect(r.areas).to.equal(11);
    expect(r.mix).to.be.above(0.5);
    // Channels: mostly collectors, some hotline.
    const ch = Object.fromEntries(
      (
        await rows(sql<{ channel: string; n: number }>`
      select channel, count(*)::int as n from case_record group by channel`)
      ).map((x) => [x.channel, x.n]),
    );
    expect(ch.collector / CASES).to.be.above(0.5);
    expect(ch.hotline_12345).to.be.above(0);
  });

  it('concentrates cases in hotspots: the densest 1% of grids hold far more than 1% of the cases', async () => {
    const r = await one(sql<{ top: number; total: number; grids: number }>`
      with counts as (select grid_code, count(*) as n from case_record where grid_code is not null group by grid_code),
           k as (select ceil(count(*) / 100.0)::int as k from unit_grid where termination_date is null)
      select (select coalesce(sum(n), 0)::int from (select n from counts order by n desc limit (select k from k)) t) as top,
             (select count(*)::int from case_record) as total, (select k from k) as grids`);
    expect(r.top / r.total, `${r.top} of ${r.total} cases in the densest ${r.grids} grids`).to.be.above(0.1);
  });

  it('spans the configured year in time order: case numbers carry the local day of reporting', async () => {
    const r = await one(sql<{ first: string; last: string; wrong: number; unordered: number }>`
      select to_char(min(reported_at) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as first,
             to_char(max(reported_at) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as last,
             count(*) filter (where left(case_no, 8) <> to_char(reported_at at time zone 'Asia/Shanghai', 'YYYYMMDD'))::int as wrong,
             (select count(*)::int from (select reported_at, lag(reported_at) over (order by id) as prev from case_record) x
               where reported_at < prev) as unordered
      from case_record`);
    expect(r.first >= DISPATCH_PARAMS.from && r.first < '2026-01-15').to.equal(true, r.first);
    expect(r.last <= DISPATCH_PARAMS.to && r.last > '2026-10-15').to.equal(true, r.last);
    expect(r.wrong).to.equal(0);
    expect(r.unordered).to.equal(0);
  });

  it('is deterministic: the same seed and options give the same cases, numbers, categories and histories', async () => {
    const again = await openTestDatabase();
    try {
      const s2 = (await loadDemoCity(again, { dispatch: { cases: CASES } })).dispatch!;
      const snap = async (db: Database) =>
        (
          await sql<{ case_no: string; category: string; state: string; dept: string | null; events: number }>`
        select case_no, category_kind || ':' || category_code as category, state, department_code as dept,
               (select count(*)::int from case_event e where e.case_id = c.id) as events
        from case_record c order by id`.execute(db.db)
        ).rows;
      const [a, b] = [await snap(database), await snap(again)];
      expect(b).to.deep.equal(a);
      const { seconds: _a, ...x } = summary;
      const { seconds: _b, ...y } = s2;
      expect(y).to.deep.equal(x);
    } finally {
      await again.close();
    }
  });
});
