/**
 * The staging tables of one exchange import: the checked new cases (one row each, clocks per area class; instants
 * as epoch milliseconds) and their workflow events (the report event is built from the case row), loaded while the file is read — COPY where the driver has it, else batches of JSON rows — and the
 * view through which placement (server/assign/reassign-compute.ts) reads them as if they were stored cases. Unlogged
 * tables outside any transaction: the publishing transaction (publish.ts) is the only write that counts.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import { copyValue } from '../db/copy.js';
import type { CheckedCase } from './check.js';

const PREFIX = 'exchange_stage_';
const STALE_MS = 24 * 3600_000;

export interface ExchangeStage {
  database: Database;
  /** Base name: the cases table; `${name}_e` the events, `${name}_v` the placement view. */
  name: string;
  /** Cases staged (their idx runs 0 … size − 1 in file order). */
  size: number;
  /** History rows staged, the report events included (their ord runs 0 … events − 1 in file order). */
  events: number;
}

export const stageTables = (s: Pick<ExchangeStage, 'name'>) => ({
  cases: sql.table(s.name),
  events: sql.table(`${s.name}_e`),
  view: sql.table(`${s.name}_v`),
});

const CASE_COLUMNS = [
  'idx',
  'line',
  'case_no',
  'channel',
  'kind',
  'code',
  'condition',
  'description',
  'address',
  'lon',
  'lat',
  'geom',
  'input_crs',
  'input_lon',
  'input_lat',
  'reported_at',
  'collector_code',
  'state',
  'parked_from',
  'department_code',
  'stage_a',
  'stage_b',
  'stage_c',
  'dispose_a',
  'dispose_b',
  'dispose_c',
  'urge_count',
  'rework_count',
  'closed_at',
  'updated_at',
  'version',
  'report_deadline',
  'report_note',
  'report_ord',
];
const EVENT_COLUMNS = [
  'idx',
  'seq',
  'ord',
  'at',
  'actor_name',
  'action',
  'from_state',
  'to_state',
  'note',
  'deadline_a',
  'deadline_b',
  'deadline_c',
  'detail',
];

export async function createStage(database: Database): Promise<ExchangeStage> {
  const db = database.db;
  const old = await sql<{ name: string }>`select tablename as name from pg_tables
    where schemaname = current_schema() and tablename ~ ${`^${PREFIX}[0-9]+_[a-z0-9]+$`}`.execute(db);
  for (const { name } of old.rows) {
    const created = Number(/^exchange_stage_(\d+)_/.exec(name)?.[1]) * 1000;
    if (Number.isFinite(created) && created < Date.now() - STALE_MS) await dropStage({ name }, db);
  }
  const stage: ExchangeStage = {
    database,
    name: `${PREFIX}${Math.floor(Date.now() / 1000)}_${Math.random().toString(36).slice(2, 10)}`,
    size: 0,
    events: 0,
  };
  const t = stageTables(stage);
  await sql`create unlogged table ${t.cases} (
    idx integer not null, line integer not null, case_no text not null, channel text not null, kind text not null,
    code char(5) not null, condition text not null, description text not null, address text not null,
    lon float8, lat float8, geom geometry(Point, 4326), input_crs text not null, input_lon float8, input_lat float8,
    reported_at bigint not null, collector_code text, state text not null, parked_from text,
    department_code text, stage_a bigint, stage_b bigint, stage_c bigint, dispose_a bigint,
    dispose_b bigint, dispose_c bigint, urge_count integer not null, rework_count integer not null,
    closed_at bigint, updated_at bigint not null, version integer not null, report_deadline bigint,
    report_note text, report_ord bigint not null)`.execute(db);
  await sql`create unlogged table ${t.events} (
    idx integer not null, seq integer not null, ord bigint not null, at bigint not null, actor_name text not null,
    action text not null, from_state text, to_state text not null, note text not null, deadline_a bigint,
    deadline_b bigint, deadline_c bigint, detail jsonb not null)`.execute(db);
  // The staged cases as placement reads stored ones: open, never placed, no department yet.
  await sql`create view ${t.view} as
    select s.idx::bigint as id, 1 as version, s.geom, s.kind as category_kind, s.code as category_code,
      null::text as component_code, 'reported'::text as state, null::text as grid_code, null::text as community_code,
      null::text as street_code, null::text as district_code, null::text as department_code,
      null::char(1) as area_class, null::integer as collector_area_id, null::integer as rule_id,
      '{}'::jsonb as assignment, null::timestamptz as closed_at, 0::bigint as assignment_version
    from ${t.cases} s where s.geom is not null`.execute(db);
  return stage;
}

export async function dropStage(s: Pick<ExchangeStage, 'name'>, db: Kysely<DB>): Promise<void> {
  const t = stageTables(s);
  await sql`drop view if exists ${t.view}`.execute(db);
  await sql`drop table if exists ${t.cases}, ${t.events}`.execute(db);
}

/** Instants are staged as epoch milliseconds (far cheaper to write than ISO text); publish.ts converts them. */
const ms = (t: Date | null) => (t ? t.getTime() : null);

/** Appends checked cases to the stage (idx continues from stage.size). */
export async function stageCases(stage: ExchangeStage, batch: CheckedCase[]): Promise<void> {
  if (batch.length === 0) return;
  const caseRows: (string | number | null)[][] = [];
  const eventRows: (string | number | null)[][] = [];
  for (const c of batch) {
    const idx = stage.size++;
    const w = c.wgs84;
    caseRows.push([
      idx,
      c.line,
      c.case_no,
      c.channel,
      c.kind,
      c.code,
      c.condition,
      c.description,
      c.address,
      w?.lon ?? null,
      w?.lat ?? null,
      w ? `SRID=4326;POINT(${w.lon} ${w.lat})` : null,
      c.input?.crs ?? 'wgs84',
      c.input?.lon ?? null,
      c.input?.lat ?? null,
      c.reported_at.getTime(),
      c.collector_code,
      c.state,
      c.parked_from,
      c.department_code,
      ...c.stage_deadline.map(ms),
      ...c.dispose_deadline.map(ms),
      c.urge_count,
      c.rework_count,
      ms(c.closed_at),
      c.updated_at.getTime(),
      c.version,
      // The report event (the first of the history) is built from the case row when published.
      ms(c.events[0].deadline[2]),
      c.events[0].note === c.description ? null : c.events[0].note,
      stage.events,
    ]);
    const ord = stage.events;
    stage.events += c.events.length;
    c.events.forEach((e, seq) => {
      if (seq > 0)
        eventRows.push([
          idx,
          seq,
          ord + seq,
          e.at.getTime(),
          e.actor_name,
          e.action,
          e.from_state,
          e.to_state,
          e.note,
          ...e.deadline.map(ms),
          isEmpty(e.detail) ? '{}' : JSON.stringify(e.detail),
        ]);
    });
  }
  await Promise.all([
    load(stage, stage.name, CASE_COLUMNS, caseRows),
    load(stage, `${stage.name}_e`, EVENT_COLUMNS, eventRows),
  ]);
}

type Row = (string | number | null)[];

/** COPY text of rows (copyLine's format, without its intermediate arrays: this is the import's inner loop). */
function copyText(rows: Row[]): string {
  let text = '';
  for (const r of rows) {
    for (let i = 0; i < r.length; i++) {
      const v = r[i];
      text += `${i ? '\t' : ''}${v === null ? '\\N' : typeof v === 'number' ? v : copyValue(v)}`;
    }
    text += '\n';
  }
  return text;
}

const isEmpty = (o: object) => {
  for (const _ in o) return false;
  return true;
};

async function load(stage: ExchangeStage, table: string, columns: string[], rows: Row[]) {
  const { database } = stage;
  if (database.copyIn) {
    const text = copyText(rows);
    await database.copyIn(
      table,
      columns,
      (async function* () {
        yield text;
      })(),
    );
    return;
  }
  // Over the embedded server's local socket (no COPY): the rows as one JSON parameter.
  const objects = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
  await sql`insert into ${sql.table(table)} select * from jsonb_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(objects)}::jsonb)`.execute(
    database.db,
  );
}

/** After loading: the spatial index placement's per-grid pass uses, and statistics. */
export async function indexStage(stage: ExchangeStage): Promise<void> {
  const t = stageTables(stage);
  const db = stage.database.db;
  await sql`create index on ${t.cases} using gist (geom)`.execute(db);
  await sql`analyze ${t.cases}`.execute(db);
}
