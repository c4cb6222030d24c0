/**
 * The staging table of one census import and the set-based steps over it: load (COPY), derive each component's unit
 * grid, community, street and district from its position (the boundary rule of server/grids/locate.ts), recognise
 * code-less rows that are already stored (same class within 0.5 m), and the checks that need PostGIS.
 *
 * On PostgreSQL each step is one statement (readers are not blocked by it). On the embedded database — one session in
 * the server's thread — the steps run over slices of the table, letting the event loop turn between slices.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import { copyLine } from '../db/copy.js';
import { step } from '../importexport/stage.js';
import type { CensusRow } from './row.js';

const PREFIX = 'census_stage_';
/** Rows per slice on the embedded database. */
export const SLICE = 5000;
/** Rows per COPY chunk. */
const CHUNK = 5000;

export const STAGE_COLUMNS = [
  'idx',
  'wn',
  'code',
  'cls',
  'name',
  'owner_code',
  'owner_name',
  'title_code',
  'title_name',
  'maintainer_code',
  'maintainer_name',
  'given_grid_code',
  'status',
  'initial_date',
  'change_date',
  'data_source',
  'note',
  'accuracy',
  'photos',
  'extras',
  'geom',
  'point',
] as const;

export interface CensusStage {
  database: Database;
  db: Kysely<DB>;
  table: string;
  size: number;
}

export async function createCensusStage(database: Database, staleAfterMs: number): Promise<CensusStage> {
  const db = database.db;
  const old = await sql<{ name: string }>`select tablename as name from pg_tables
    where schemaname = current_schema() and tablename like ${`${PREFIX}%`}`.execute(db);
  for (const { name } of old.rows) {
    const created = Number(/^census_stage_(\d+)_/.exec(name)?.[1]) * 1000;
    if (Number.isFinite(created) && created < Date.now() - staleAfterMs)
      await sql`drop table if exists ${sql.table(name)}`.execute(db);
  }
  const table = `${PREFIX}${Math.floor(Date.now() / 1000)}_${Math.random().toString(36).slice(2, 10)}`;
  await sql`create unlogged table ${sql.table(table)} (
    idx integer not null, wn integer not null, code text, cls text not null, name text not null,
    owner_code text, owner_name text not null, title_code text, title_name text not null,
    maintainer_code text, maintainer_name text not null, given_grid_code text, status text not null,
    initial_date date, change_date date, data_source text not null, note text not null, accuracy text,
    photos jsonb not null, extras jsonb not null, geom geometry not null, point boolean not null,
    grid_code text, community_code text, street_code text, district_code text,
    matched boolean not null default false, action text
  )`.execute(db);
  return { database, db, table, size: 0 };
}

export const dropCensusStage = (s: CensusStage) =>
  sql`drop table if exists ${sql.table(s.table)}, ${sql.table(`${s.table}_r`)}`.execute(s.db);

/** Rows per COPY statement: each stays well inside the statement timeout, whatever the file's size. */
const SEGMENT = 100_000;

/** The staging values of one row, in STAGE_COLUMNS order. */
function stageValues(r: CensusRow, idx: number): (string | number | null)[] {
  return [
    idx,
    'line' in r.where ? r.where.line : 'row' in r.where ? r.where.row : r.where.feature,
    r.code,
    r.cls,
    r.name,
    r.owner_code,
    r.owner_name,
    r.title_code,
    r.title_name,
    r.maintainer_code,
    r.maintainer_name,
    r.given_grid_code,
    r.status,
    r.initial_date,
    r.change_date,
    r.data_source,
    r.note,
    r.accuracy,
    r.photos.length ? JSON.stringify(r.photos) : '[]',
    JSON.stringify(r.extras),
    r.geom,
    r.point ? 't' : 'f',
  ];
}

/** SQL types of STAGE_COLUMNS for the batched-INSERT path. */
const STAGE_TYPES = STAGE_COLUMNS.map((c) =>
  c === 'idx' || c === 'wn'
    ? 'int'
    : c === 'initial_date' || c === 'change_date'
      ? 'date'
      : c === 'photos' || c === 'extras'
        ? 'jsonb'
        : c === 'point'
          ? 'boolean'
          : 'text',
);

/**
 * Loads checked rows (an async stream of batches) with COPY while the file is still being read, in statements of
 * SEGMENT rows, or — where the connection cannot relay COPY (the embedded server's local socket) — with one INSERT
 * per batch. On PostgreSQL each segment's regions are derived (into TABLE_r) while the next one is read and copied,
 * and the lookup indexes come after deriveRegions has rewritten the table.
 */
export async function loadStage(stage: CensusStage, batches: AsyncIterable<CensusRow[]>): Promise<void> {
  let idx = 0;
  const pg = stage.database.driver === 'pg';
  if (pg)
    await sql`create unlogged table ${sql.table(`${stage.table}_r`)} (idx integer not null, grid_code text,
      community_code text, street_code text, district_code text)`.execute(stage.db);
  let deriving: Promise<unknown> = Promise.resolve();
  let failed: { error: unknown } | undefined;
  const derive = (start: number, end: number) => {
    if (pg)
      deriving = deriving
        .then(() => (failed ? undefined : deriveSegment(stage, start, end)))
        .catch((error: unknown) => (failed ??= { error }));
  };
  const copyIn = stage.database.copyIn;
  if (copyIn) {
    let lastRows = 0; // rows in the chunk text() yielded last
    async function* text(): AsyncGenerator<string> {
      let buf = '';
      let n = 0;
      for await (const batch of batches) {
        for (const r of batch) {
          buf += copyLine(stageValues(r, idx++));
          if (++n >= CHUNK) {
            lastRows = n;
            yield buf;
            buf = '';
            n = 0;
          }
        }
      }
      lastRows = n;
      if (buf) yield buf;
    }
    const chunks = text()[Symbol.asyncIterator]();
    let first: IteratorResult<string> = await chunks.next();
    while (!first.done) {
      const head = first.value;
      const start = idx - lastRows;
      let more = true;
      // One COPY of up to SEGMENT rows; the chunk after it (if any) starts the next one.
      async function* segment(): AsyncGenerator<string> {
        yield head;
        while (idx - start < SEGMENT) {
          const r = await chunks.next();
          if (r.done) {
            more = false;
            return;
          }
          yield r.value;
        }
      }
      await copyIn(stage.table, [...STAGE_COLUMNS], segment());
      derive(start, idx);
      first = more ? await chunks.next() : { done: true, value: undefined };
    }
  } else {
    let start = 0;
    for await (const batch of batches) {
      const rows = batch.map((r) => stageValues(r, idx++));
      const arrays = STAGE_COLUMNS.map((_, i) => sql`${rows.map((v) => v[i])}::text[]`);
      const cols = STAGE_COLUMNS.map((c, i) =>
        sql.raw(c === 'geom' ? `u.c${i}::geometry` : `u.c${i}::${STAGE_TYPES[i]}`),
      );
      await sql`insert into ${sql.table(stage.table)} (${sql.join(STAGE_COLUMNS.map((c) => sql.ref(c)))})
        select ${sql.join(cols)} from unnest(${sql.join(arrays)}) as u(${sql.raw(STAGE_COLUMNS.map((_, i) => `c${i}`).join(', '))})`.execute(
        stage.db,
      );
      if (idx - start >= SEGMENT) {
        derive(start, idx);
        start = idx;
      }
    }
    if (idx > start) derive(start, idx);
  }
  stage.size = idx;
  await deriving;
  if (failed) throw failed.error;
  if (!pg) await indexStage(stage);
}

/** PostgreSQL: the unit grid, community, street and district of the staged rows idx ∈ [from, to), into TABLE_r. */
async function deriveSegment(stage: CensusStage, from: number, to: number): Promise<void> {
  const onSurface = sql`case when s.point then s.geom else ST_PointOnSurface(s.geom) end`;
  await stage.db.transaction().execute(async (trx) => {
    // A plain index scan per point beats a bitmap scan here (one or two grids per probe); no JIT for one pass.
    await sql`set local enable_bitmapscan = off`.execute(trx);
    await sql`set local jit = off`.execute(trx);
    await sql`insert into ${sql.table(`${stage.table}_r`)}
      select s.idx, g.code, g.community_code, g.street_code, coalesce(g.district_code, d.code)
      from ${sql.table(stage.table)} s
      left join lateral (select u.code, u.community_code, u.street_code, u.district_code from unit_grid u
                         where u.termination_date is null and ST_Covers(u.geom, ${onSurface})
                         order by u.code limit 1) g on true
      left join lateral (select r.code from region r where g.code is null and r.level = 'district'
                           and r.termination_date is null and ST_Covers(r.geom, ${onSurface})
                         order by r.code limit 1) d on true
      where s.idx >= ${from} and s.idx < ${to}`.execute(trx);
  });
}

async function indexStage(stage: CensusStage, codes = true): Promise<void> {
  await sql`create index on ${sql.table(stage.table)} (idx)`.execute(stage.db);
  if (codes) await indexCodes(stage);
  await sql`analyze ${sql.table(stage.table)}`.execute(stage.db);
}

/**
 * The index of staged codes. On PostgreSQL it is built when first needed (matching stored components) or once the
 * codes are allocated, so that allocating half a million codes does not maintain it row by row.
 */
export async function indexCodes(stage: CensusStage): Promise<void> {
  await sql`create index if not exists ${sql.id(`${stage.table}_code`)} on ${sql.table(stage.table)} (code)`.execute(
    stage.db,
  );
}

/** Runs an UPDATE/SELECT over the whole table (PostgreSQL) or over slices of idx (embedded). */
export async function overSlices<R = unknown>(
  stage: CensusStage,
  query: (range: (alias: string) => RawBuilder<unknown>) => Promise<R[]>,
): Promise<R[]> {
  if (stage.database.driver === 'pg') return query(() => sql`true`);
  const out: R[] = [];
  for (let from = 0; from < stage.size; from += SLICE) {
    const range = (alias: string) =>
      sql`${sql.ref(`${alias}.idx`)} >= ${from} and ${sql.ref(`${alias}.idx`)} < ${from + SLICE}`;
    out.push(...(await step(() => query(range))));
  }
  return out;
}

/** Unit grid, community, street and district of every staged row (district alone when outside every grid). */
export async function deriveRegions(stage: CensusStage): Promise<void> {
  const t = sql.table(stage.table);
  if (stage.database.driver === 'pg') {
    // The regions were derived segment by segment while loading (loadStage): one join rewrites the table with them.
    const next = sql.table(`${stage.table}_d`);
    const regions = sql.table(`${stage.table}_r`);
    const kept = sql.raw(
      STAGE_COLUMNS.map((c) => `s.${c}`)
        .concat(['s.matched', 's.action'])
        .join(', '),
    );
    await sql`create unlogged table ${next} as
      select ${kept}, r.grid_code, r.community_code, r.street_code, r.district_code
      from ${t} s left join ${regions} r on r.idx = s.idx`.execute(stage.db);
    await sql`drop table ${t}, ${regions}`.execute(stage.db);
    await sql`alter table ${next} rename to ${sql.id(stage.table)}`.execute(stage.db);
    await sql`alter table ${t} alter column matched set not null, alter column matched set default false`.execute(
      stage.db,
    );
    await indexStage(stage, false);
    return;
  }
  await overSlices(stage, async (range) => {
    await sql`update ${t} s set (grid_code, community_code, street_code, district_code) = (
        select u.code, u.community_code, u.street_code, u.district_code from unit_grid u
        where u.termination_date is null and ST_Covers(u.geom, ST_PointOnSurface(s.geom))
        order by u.code limit 1)
      where ${range('s')}`.execute(stage.db);
    await sql`update ${t} s set district_code = (
        select r.code from region r where r.level = 'district' and r.termination_date is null
          and ST_Covers(r.geom, ST_PointOnSurface(s.geom)) order by r.code limit 1)
      where ${range('s')} and s.grid_code is null`.execute(stage.db);
    return [];
  });
}

/** 0.5 m, the census's duplicate-position tolerance, with a degree-box prefilter of about 1 m. */
export const SAME_PLACE_M = 0.5;
const BOX_DEG = 1e-5;

/**
 * A code-less row whose class and position (within 0.5 m) match a stored component that the file does not name
 * by code is that component: it takes its code (re-importing a code-less file changes nothing).
 */
export async function matchStored(stage: CensusStage): Promise<number> {
  const t = sql.table(stage.table);
  const any = await sql<{ go: boolean }>`select exists (select 1 from component)
    and exists (select 1 from ${t} where code is null and point) as go`.execute(stage.db);
  if (!any.rows[0].go) return 0;
  await indexCodes(stage);
  const r = await overSlices(stage, async (range) => {
    const u = await sql`update ${t} s set code = m.code, matched = true from (
        select s2.idx, (select c.code from component c
                        where c.category_code = s2.cls and c.geom && ST_Expand(s2.geom, ${BOX_DEG})
                          and ST_Distance(c.geom::geography, s2.geom::geography) <= ${SAME_PLACE_M}
                          and not exists (select 1 from ${t} g where g.code = c.code)
                        order by ST_Distance(c.geom::geography, s2.geom::geography), c.code limit 1) as code
        from ${t} s2 where ${range('s2')} and s2.code is null and s2.point) m
      where s.idx = m.idx and m.code is not null`.execute(stage.db);
    return [Number(u.numAffectedRows ?? 0)];
  });
  // Two code-less rows on one stored component: the first (in file order) is it, the others are new.
  const twice = await sql`update ${t} s set code = null, matched = false from (
      select idx, row_number() over (partition by code order by idx) as n from ${t} where matched) d
    where s.idx = d.idx and d.n > 1`.execute(stage.db);
  return r.reduce((a, b) => a + b, 0) - Number(twice.numAffectedRows ?? 0);
}

/** Code-less rows in file order: their position's district and class. */
export async function codeless(
  stage: CensusStage,
): Promise<{ idx: number; wn: number; district: string | null; cls: string }[]> {
  const r = await sql<{ idx: number; wn: number; district: string | null; cls: string }>`
    select idx, wn, district_code as district, cls from ${sql.table(stage.table)} where code is null order by idx`.execute(
    stage.db,
  );
  return r.rows;
}

/** Writes allocated codes back (idx → code), in chunks. */
export async function setCodes(stage: CensusStage, codes: { idx: number; code: string }[]): Promise<void> {
  // PostgreSQL: one statement (one hash join over the table); embedded: short steps.
  const size = stage.database.driver === 'pg' ? Math.max(1, codes.length) : 20000;
  for (let i = 0; i < codes.length; i += size) {
    const part = codes.slice(i, i + size);
    await step(() =>
      sql`update ${sql.table(stage.table)} s set code = v.code
        from unnest(${part.map((c) => c.idx)}::int[], ${part.map((c) => c.code)}::text[]) as v(idx, code)
        where s.idx = v.idx`.execute(stage.db),
    );
  }
}
