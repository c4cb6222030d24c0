/**
 * Storing staged cases inside the one publishing transaction (import.ts opens it through the write path: one audit
 * row, the cases tile layer bumped). The cases are placed as intake would place them — set-based, by the same
 * computation as re-assignment (computePlacements over the stage's view: grid by the boundary rule, community,
 * street, district, area class, collector area, the rule's or fallback's department) — then stored with their
 * histories, each deadline taken for the area class the case got. Cases without a position are stored unplaced
 * (needs_location) with intake's pending assignment. A scoped admin may import only cases that land inside the scope.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Database } from '../db/open.js';
import { dropForBulk } from '../db/bulk.js';
import { assignmentVersion, localDate } from '../assign/assign.js';
import { computePlacements, tableOf, TEMP_TABLES } from '../assign/reassign-compute.js';
import { pendingAssignment } from '../cases/placement.js';
import { stageTables, type ExchangeStage } from './stage.js';

export interface PublishOptions {
  /** Region-code prefix the cases must land in ('' = anywhere). */
  scope: string;
  /** Rules valid on this instant's local date place the cases. */
  now: Date;
  /**
   * Load into an empty case table without its plain indexes and foreign keys (server/db/bulk.ts), PostgreSQL only.
   * Default: when no case is stored yet.
   */
  bulk?: boolean;
  /** At most this many out-of-scope lines are kept. */
  maxListed: number;
  onStep?: (step: string, ms: number) => void;
}

export interface PublishCounts {
  inserted: number;
  /** Stored without a position (waiting to be placed). */
  unplaced: number;
  outside_coverage: number;
}

/** An instant staged as epoch milliseconds. */
const instant = (column: string) => sql`to_timestamp(${sql.raw(column)} / 1000.0)`;
/** The stored clock of the case's area class (A, B, C columns of the stage). */
const byClass = (cls: string, a: string, b: string, c: string) =>
  instant(`case ${cls} when 'A' then ${a} when 'B' then ${b} else ${c} end`);

// case_step: the evaluation's steps, filled by the trigger on case_event (migration 0012) as the histories go in.
const TABLES = ['case_event', 'case_record', 'case_step'];

export class Publisher {
  counts: PublishCounts = { inserted: 0, unplaced: 0, outside_coverage: 0 };
  /** Cases outside the importer's scope (the first maxListed) and how many there are; nothing is stored then. */
  outside: { line: number; region: string }[] = [];
  outsideTotal = 0;
  private lap = performance.now();
  /** Loading in bulk: no case was stored when it began, and no one else writes cases until it ends. */
  readonly bulk: boolean;

  private constructor(
    private trx: Transaction<DB>,
    private database: Database,
    private stage: ExchangeStage,
    private opts: PublishOptions,
    private version: number,
    private pending: string,
    private rebuild: string[],
  ) {
    this.bulk = rebuild.length > 0;
  }

  /** Sets the transaction up (settings, library version, bulk loading when it applies). */
  static async open(
    trx: Transaction<DB>,
    database: Database,
    stage: ExchangeStage,
    opts: PublishOptions,
  ): Promise<Publisher> {
    await sql.raw(`set local statement_timeout = ${Math.max(0, Math.floor(database.importTimeoutMs))}`).execute(trx);
    if (database.driver === 'pg')
      for (const s of ['jit = off', "work_mem = '256MB'", "maintenance_work_mem = '256MB'"])
        await sql.raw(`set local ${s}`).execute(trx);
    const bulk = database.driver === 'pg' && opts.bulk !== false && (await firstImport(trx));
    const rebuild = bulk ? await dropForBulk(trx, TABLES) : [];
    const version = await assignmentVersion(trx);
    const pending = JSON.stringify(await pendingAssignment(trx));
    return new Publisher(trx, database, stage, opts, version, pending, rebuild);
  }

  private step(name: string) {
    const now = performance.now();
    this.opts.onStep?.(name, now - this.lap);
    this.lap = now;
  }

  /** Places and stores the staged cases (the stage indexed: placement may take one pass over the grids). */
  async publish(): Promise<void> {
    const { trx, opts } = this;
    const t = stageTables(this.stage);
    const pg = this.database.driver === 'pg';
    this.lap = performance.now();
    await computePlacements(trx, {
      version: this.version,
      all: true,
      scope: '',
      today: localDate(opts.now),
      tables: TEMP_TABLES,
      analyze: pg,
      source: `${this.stage.name}_v`,
      onStep: (name, ms) => opts.onStep?.(`place_${name}`, ms),
    });
    const placed = tableOf(TEMP_TABLES, 'new');
    this.lap = performance.now();
    if (opts.scope) {
      const outside = await sql<{ line: number; region: string; total: number }>`
        select s.line, coalesce(n.grid_code, n.community_code, n.street_code, n.district_code, '') as region,
          count(*) over ()::int as total
        from ${t.cases} s left join ${placed} n on n.id = s.idx
        where not starts_with(coalesce(n.grid_code, n.community_code, n.street_code, n.district_code, ''), ${opts.scope})
        order by s.line limit ${opts.maxListed}`.execute(trx);
      if (outside.rows.length) {
        this.outsideTotal = outside.rows[0].total;
        this.outside = outside.rows.map((r) => ({ line: r.line, region: r.region }));
        return; // the import fails: nothing to store
      }
    }
    // Each case's id (in file order) and area class: all that its events need.
    await sql`create temp table exchange_ids on commit drop as
      select s.idx, s.id, coalesce(n.area_class, 'C') as cls
      from (select o.idx, nextval('case_record_id_seq') as id
            from (select idx from ${t.cases} order by idx) o) s
      left join ${placed} n on n.id = s.idx`.execute(trx);
    if (pg) await sql`analyze exchange_ids`.execute(trx);
    const cls = 'i.cls';
    const counts = await sql<PublishCounts>`
      with ins as (
        insert into case_record (id, case_no, channel, category_kind, category_code, condition, description, address,
          lon, lat, geom, input_crs, input_lon, input_lat, component_code, photos, reporter, client_time, reported_at,
          created_by, collector_code, state, parked_from, outside_coverage, grid_code, community_code, street_code,
          district_code, area_class, collector_area_id, department_code, rule_id, rule_version, assignment,
          assignment_version, stage_deadline, dispose_deadline, last_dispose_at, urge_count, rework_count, duplicates,
          component_suggestions, idempotency_key, request_hash, closed_at, updated_at, version, needs_location,
          location_source, address_source, geocode)
        select i.id, s.case_no, s.channel, s.kind, s.code, s.condition, s.description, s.address,
          s.lon, s.lat, s.geom, s.input_crs, s.input_lon, s.input_lat, null, '[]'::jsonb, '{}'::jsonb, null,
          ${instant('s.reported_at')}, null, s.collector_code, s.state, s.parked_from,
          s.geom is not null and n.grid_code is null, n.grid_code, n.community_code, n.street_code, n.district_code,
          ${sql.raw(cls)}, n.collector_area_id, coalesce(s.department_code, n.department), n.rule_id, n.rule_version,
          case when n.id is null then ${this.pending}::jsonb
               else n.patch || jsonb_build_object('why', '数据交换导入' || substr(n.patch->>'why', 5)) end,
          ${this.version}, ${byClass(cls, 's.stage_a', 's.stage_b', 's.stage_c')},
          ${byClass(cls, 's.dispose_a', 's.dispose_b', 's.dispose_c')}, ${instant('d.at')}, s.urge_count, s.rework_count, '[]'::jsonb,
          '[]'::jsonb, null, null, ${instant('s.closed_at')}, ${instant('s.updated_at')}, s.version, s.geom is null,
          'reported', 'reported', null
        from ${t.cases} s join exchange_ids i on i.idx = s.idx left join ${placed} n on n.id = s.idx
        -- the latest 处置反馈, as the trigger on case_event would set it (so that it finds nothing to change)
        left join (select idx, max(at) as at from ${t.events} where action = 'dispose' group by idx) d on d.idx = s.idx
        returning needs_location, outside_coverage)
      select count(*)::int as inserted, count(*) filter (where needs_location)::int as unplaced,
        count(*) filter (where outside_coverage)::int as outside_coverage
      from ins`.execute(trx);
    this.counts = counts.rows[0];
    // Intake numbers a case YYYYMMDD + its id (server/cases/intake.ts): move the id sequence past the id part of every
    // imported number of that shape (another wangge's export), so that no later report is numbered like one of them.
    await sql`select setval('case_record_id_seq', greatest((select last_value from case_record_id_seq),
        max(substr(case_no, 9)::bigint)))
      from ${t.cases} where case_no ~ '^[0-9]{14,20}$'`.execute(trx);
    this.step('cases');
    // History ids follow each history's order (report first): in bulk, a block of ids reserved while the tables are
    // locked, given by the staged ord (no sort); otherwise the rows sorted in file order take the next ids.
    const first = this.bulk
      ? (
          await sql<{ first: number }>`select setval('case_event_id_seq',
            nextval('case_event_id_seq') + ${this.stage.events - 1}) - ${this.stage.events - 1} as first`.execute(trx)
        ).rows[0].first
      : null;
    await sql`
      with h as (
        select s.idx, 0 as seq, s.report_ord as ord, i.id as case_id, ${instant('s.reported_at')} as at,
          coalesce(s.collector_code, 'channel:' || s.channel) as actor_name, 'report' as action, null as from_state,
          'reported' as to_state, coalesce(s.report_note, s.description) as note,
          ${instant('s.report_deadline')} as deadline,
          jsonb_build_object('channel', s.channel, 'location_source', case when s.geom is not null then 'reported' end,
            'imported', true, 'department', n.department,
            'matched', coalesce(n.patch->'matched', '{"source": "none"}'::jsonb)) as detail
        from ${t.cases} s join exchange_ids i on i.idx = s.idx left join ${placed} n on n.id = s.idx
        union all
        select e.idx, e.seq, e.ord, i.id, ${instant('e.at')}, e.actor_name, e.action, e.from_state, e.to_state,
          e.note, ${byClass('i.cls', 'e.deadline_a', 'e.deadline_b', 'e.deadline_c')}, e.detail
        from ${t.events} e join exchange_ids i on i.idx = e.idx)
      insert into case_event (${first === null ? sql`` : sql`id, `}case_id, at, actor_id, actor_name, action,
        from_state, to_state, note, deadline, detail)
      select ${first === null ? sql`` : sql`${first}::bigint + h.ord, `}h.case_id, h.at, null, h.actor_name,
        h.action, h.from_state, h.to_state, h.note, h.deadline, h.detail
      from h ${first === null ? sql`order by h.idx, h.seq` : sql``}`.execute(trx);
    this.step('events');
  }

  /** Rebuilds what bulk loading dropped. */
  async close(): Promise<void> {
    this.lap = performance.now();
    for (const statement of this.rebuild) await sql.raw(statement).execute(this.trx);
    if (this.rebuild.length) this.step('rebuild');
  }
}

/**
 * No case is stored (checked under a lock that keeps writers out until this transaction ends): a first import loads
 * in bulk. The case tables then stay locked until it commits — intake waits — which is what a migration into a new
 * platform can afford.
 */
async function firstImport(trx: Transaction<DB>): Promise<boolean> {
  if ((await sql`select 1 from case_record limit 1`.execute(trx)).rows.length) return false;
  await sql`lock table case_record, case_event in share row exclusive mode`.execute(trx);
  return (await sql`select 1 from case_record limit 1`.execute(trx)).rows.length === 0;
}
