/**
 * Publishing a checked, staged import in one transaction through the write path (one audit row, the cases tile
 * layer bumped): the staged cases are placed as intake would place them — set-based, by the same computation as
 * re-assignment (computePlacements over the stage's view: grid by the boundary rule, community, street, district,
 * area class, collector area, the rule's or fallback's department) — then stored with their histories, each
 * deadline taken for the area class the case got. Cases without a position are stored unplaced (needs_location)
 * with intake's pending assignment. A scoped admin may import only cases that land inside the scope.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Database } from '../db/open.js';
import { write, type Actor } from '../db/write.js';
import { assignmentVersion, localDate } from '../assign/assign.js';
import { computePlacements, tableOf, TEMP_TABLES } from '../assign/reassign-compute.js';
import { pendingAssignment } from '../cases/placement.js';
import { stageTables, type ExchangeStage } from './stage.js';

export interface PublishOptions {
  actor: Actor;
  /** Region-code prefix the cases must land in ('' = anywhere). */
  scope: string;
  /** Rules valid on this instant's local date place the cases. */
  now: Date;
  fileName?: string;
  /** At most this many out-of-scope lines are listed. */
  maxListed: number;
  onStep?: (step: string, ms: number) => void;
}

/** Lines whose case lands outside the importer's region scope (nothing was stored). */
export class OutsideScope extends Error {
  constructor(
    public lines: { line: number; region: string }[],
    public total: number,
  ) {
    super(`${total} case(s) outside the region scope`);
  }
}

export interface PublishCounts {
  inserted: number;
  /** Stored without a position (waiting to be placed). */
  unplaced: number;
  outside_coverage: number;
}

/** The stored clock of the case's area class (A, B, C columns of the stage). */
const byClass = (cls: string, a: string, b: string, c: string) =>
  sql`case ${sql.raw(cls)} when 'A' then ${sql.raw(a)} when 'B' then ${sql.raw(b)} else ${sql.raw(c)} end`;

export async function publishStage(
  database: Database,
  stage: ExchangeStage,
  opts: PublishOptions & { unchanged: number; lines: number },
): Promise<PublishCounts> {
  const t = stageTables(stage);
  const pg = database.driver === 'pg';
  let lap = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    opts.onStep?.(name, now - lap);
    lap = now;
  };
  return write(database.db, { actor: opts.actor, layers: ['cases'] }, async (trx) => {
    await settings(trx, database);
    const version = await assignmentVersion(trx);
    await computePlacements(trx, {
      version,
      all: true,
      scope: '',
      today: localDate(opts.now),
      tables: TEMP_TABLES,
      analyze: pg,
      source: `${stage.name}_v`,
    });
    const placed = tableOf(TEMP_TABLES, 'new');
    step('place');
    if (opts.scope) {
      const outside = await sql<{ line: number; region: string; total: number }>`
        select s.line, coalesce(n.grid_code, n.community_code, n.street_code, n.district_code, '') as region,
          count(*) over ()::int as total
        from ${t.cases} s left join ${placed} n on n.id = s.idx
        where not starts_with(coalesce(n.grid_code, n.community_code, n.street_code, n.district_code, ''), ${opts.scope})
        order by s.line limit ${opts.maxListed}`.execute(trx);
      if (outside.rows.length)
        throw new OutsideScope(
          outside.rows.map((r) => ({ line: r.line, region: r.region })),
          outside.rows[0].total,
        );
    }
    await sql`create temp table exchange_ids on commit drop as
      select s.idx, nextval('case_record_id_seq') as id from (select idx from ${t.cases} order by idx) s`.execute(trx);
    await sql`create index on exchange_ids (idx)`.execute(trx);
    if (pg) await sql`analyze exchange_ids`.execute(trx);
    const pending = JSON.stringify(await pendingAssignment(trx));
    const cls = `coalesce(n.area_class, 'C')`;
    const counts = await sql<PublishCounts>`
      with ins as (
        insert into case_record (id, case_no, channel, category_kind, category_code, condition, description, address,
          lon, lat, geom, input_crs, input_lon, input_lat, component_code, photos, reporter, client_time, reported_at,
          created_by, collector_code, state, parked_from, outside_coverage, grid_code, community_code, street_code,
          district_code, area_class, collector_area_id, department_code, rule_id, rule_version, assignment,
          assignment_version, stage_deadline, dispose_deadline, urge_count, rework_count, duplicates,
          component_suggestions, idempotency_key, request_hash, closed_at, updated_at, version, needs_location,
          location_source, address_source, geocode)
        select i.id, s.case_no, s.channel, s.kind, s.code, s.condition, s.description, s.address,
          s.lon, s.lat, s.geom, s.input_crs, s.input_lon, s.input_lat, null, '[]'::jsonb, '{}'::jsonb, null,
          s.reported_at, null, s.collector_code, s.state, s.parked_from,
          s.geom is not null and n.grid_code is null, n.grid_code, n.community_code, n.street_code, n.district_code,
          ${sql.raw(cls)}, n.collector_area_id, coalesce(s.department_code, n.department), n.rule_id, n.rule_version,
          case when n.id is null then ${pending}::jsonb
               else n.patch || jsonb_build_object('why', regexp_replace(n.patch->>'why', '^重新分配', '数据交换导入')) end,
          ${version}, ${byClass(cls, 's.stage_a', 's.stage_b', 's.stage_c')},
          ${byClass(cls, 's.dispose_a', 's.dispose_b', 's.dispose_c')}, s.urge_count, s.rework_count, '[]'::jsonb,
          '[]'::jsonb, null, null, s.closed_at, s.updated_at, s.version, s.geom is null, 'reported', 'reported', null
        from ${t.cases} s join exchange_ids i on i.idx = s.idx left join ${placed} n on n.id = s.idx
        returning needs_location, outside_coverage)
      select count(*)::int as inserted, count(*) filter (where needs_location)::int as unplaced,
        count(*) filter (where outside_coverage)::int as outside_coverage
      from ins`.execute(trx);
    step('cases');
    await sql`
      insert into case_event (case_id, at, actor_id, actor_name, action, from_state, to_state, note, deadline, detail)
      select i.id, e.at, null, e.actor_name, e.action, e.from_state, e.to_state, e.note,
        ${byClass(cls, 'e.deadline_a', 'e.deadline_b', 'e.deadline_c')},
        case when e.seq = 0 then e.detail || jsonb_build_object('department', n.department,
               'matched', coalesce(n.patch->'matched', '{"source": "none"}'::jsonb))
             else e.detail end
      from ${t.events} e join exchange_ids i on i.idx = e.idx left join ${placed} n on n.id = e.idx
      order by e.idx, e.seq`.execute(trx);
    step('events');
    const c = counts.rows[0];
    return {
      action: 'import',
      entity: 'case',
      key: null,
      detail: { file: opts.fileName ?? null, lines: opts.lines, ...c, unchanged: opts.unchanged },
      result: c,
    };
  });
}

/** The import's own statement timeout; no JIT; memory for the joins and the sort of the histories. */
async function settings(trx: Transaction<DB>, database: Database): Promise<void> {
  await sql.raw(`set local statement_timeout = ${Math.max(0, Math.floor(database.importTimeoutMs))}`).execute(trx);
  if (database.driver !== 'pg') return;
  for (const s of ['jit = off', "work_mem = '64MB'"]) await sql.raw(`set local ${s}`).execute(trx);
}
