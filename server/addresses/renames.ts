/**
 * Whole-file checks of road renames in a staged gazetteer file (server/addresses/import.ts). A road row renames a
 * stored road when its name is new and one of its `former` names is a live road's current name; the file is refused
 * (nothing stored) where that is ambiguous or contradicts itself:
 *  - a former name that is also a road of the same file;
 *  - two former names of one renaming row that are two live roads, or one live road renamed by two rows;
 *  - a doorplate of the renamed road that already exists under the new name (road + number + building).
 * And a warning where a road row takes a name that is a former name of another road.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { whereOf, type WhereKind } from '../components/census-checks.js';
import { MAX_LISTED } from '../components/import.js';
import type { RowIssue } from '../components/row.js';

export async function renameProblems(db: Kysely<DB>, table: string, kind: WhereKind): Promise<RowIssue[]> {
  const t = sql.table(table);
  const out: RowIssue[] = [];
  const at = (wn: number, message: string) => out.push({ where: whereOf(kind, wn), column: 'former', message });
  const inFile = await sql<{ wn: number; name: string; former: string; other: number }>`
    select s.wn, s.name, e->>'name' as former, min(r.wn) as other
    from ${t} s cross join jsonb_array_elements(s.former) e join ${t} r on r.kind = 'road' and r.name = e->>'name'
    where s.kind = 'road' group by s.idx, s.wn, s.name, e->>'name' order by s.idx limit ${MAX_LISTED}`.execute(db);
  for (const r of inFile.rows)
    at(r.wn, `${r.former} is a former name of ${r.name} and also a road of this file (${kind} ${r.other})`);

  // Rows that rename: their own name is not a live road, a former name is.
  const renaming = (a: string) =>
    sql.raw(`${a}.kind = 'road' and not exists (select 1 from road r where r.name = ${a}.name)`);
  const live = await sql<{ idx: number; wn: number; former: string; claims: number[] }>`
    select s.idx, s.wn, e->>'name' as former,
           (select array_agg(s2.wn order by s2.idx) from ${t} s2, jsonb_array_elements(s2.former) e2
            where ${renaming('s2')} and e2->>'name' = e->>'name') as claims
    from ${t} s cross join jsonb_array_elements(s.former) e
    where ${renaming('s')} and exists (select 1 from road r where r.name = e->>'name')
    order by s.idx limit ${MAX_LISTED}`.execute(db);
  const byRow = new Map<number, string[]>();
  for (const r of live.rows) {
    if (r.claims.length > 1)
      at(r.wn, `${r.former} is a live road renamed by ${r.claims.map((w) => `${kind} ${w}`).join(' and ')}`);
    byRow.set(r.idx, [...(byRow.get(r.idx) ?? []), r.former]);
  }
  for (const r of live.rows) {
    const names = byRow.get(r.idx)!;
    if (names.length > 1 && names[0] === r.former)
      at(r.wn, `the former names ${names.join(' and ')} are ${names.length} live roads: a road is renamed from one`);
  }

  const clash = await sql<{ wn: number; name: string; former: string; number: string; building: string }>`
    select s.wn, s.name, e->>'name' as former, d.number, d.building
    from ${t} s cross join jsonb_array_elements(s.former) e
    join doorplate d on d.road = e->>'name'
    join doorplate d2 on d2.road = s.name and d2.number = d.number and d2.building = d.building
    where ${renaming('s')} and exists (select 1 from road r where r.name = e->>'name')
    order by s.idx, d.number_int, d.number, d.building limit ${MAX_LISTED}`.execute(db);
  for (const c of clash.rows)
    at(
      c.wn,
      `renaming ${c.former} to ${c.name}: the doorplate ${c.number}号${c.building ? `${c.building}栋` : ''} exists on both`,
    );
  return out;
}

/** Road rows taking a name that is a former name of another live road (a name may be reused: a warning only). */
export async function renameWarnings(db: Kysely<DB>, table: string, kind: WhereKind): Promise<RowIssue[]> {
  const t = sql.table(table);
  const r = await sql<{ wn: number; name: string; now: string; until: string | null }>`
    select s.wn, s.name, r.name as now, to_char(n.valid_to, 'YYYY-MM-DD') as until
    from ${t} s join road_name n on n.name = s.name and n.kind = 'former' join road r on r.id = n.road_id
    where s.kind = 'road' and r.name <> s.name and not exists (select 1 from road r2 where r2.name = s.name)
      and not exists (select 1 from jsonb_array_elements(s.former) e where e->>'name' = r.name)
    order by s.idx limit ${MAX_LISTED}`.execute(db);
  return r.rows.map((w) => ({
    where: whereOf(kind, w.wn),
    column: null,
    message: `${w.name} is the former name of ${w.now}${w.until ? ` (until ${w.until})` : ''}: the file adds a new road of that name`,
  }));
}
