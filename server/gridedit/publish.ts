/**
 * Publishing a draft: in the caller's transaction, every current copy replaces its live row at once — the live row
 * ends (终止日期 today, ended_by the change) and a new row starts with the code's next version; components in the
 * changed area take their grid again; and the responsibility library's references to codes that ended follow their
 * successors (collector areas, rules and area classes given as code lists). A copy whose live row changed since it
 * was drafted (another editor published first) refuses the whole publish with a 409.
 */
import { sql } from 'kysely';
import type { Actor, AuditEntry } from '../db/write.js';
import { deriveComponentRegions } from '../components/queries.js';
import { HttpError, unprocessable } from '../http/problem.js';
import type { Trx } from './workspace.js';

export interface PublishResult {
  change_id: number;
  /** Grid codes that end (split, merged away, retired, moved). */
  retired: string[];
  /** New grid codes. */
  created: string[];
  /** Grid codes with a new version (reshaped, grown, renamed, or given a neighbour's new vertex). */
  changed: string[];
  references: ReferenceChange[];
}

export interface ReferenceChange {
  kind: 'collector_area' | 'rule' | 'area_class';
  id: number;
  name: string;
  from: string[];
  to: string[];
}

/** Composes the successors of a draft's steps in order (a piece split again passes to its own pieces). */
export function composeSuccessors(steps: Record<string, string[]>[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const s of steps)
    for (const [code, next] of Object.entries(s)) {
      for (const [k, v] of map)
        if (v.includes(code)) map.set(k, [...new Set(v.flatMap((c) => (c === code ? next : [c])))]);
      map.set(code, next);
    }
  return map;
}

const follow = (codes: string[], succ: Map<string, string[]>) => [
  ...new Set(codes.flatMap((c) => (succ.has(c) ? succ.get(c)! : [c]))),
];

/** The library rows that name an ended code, with what they would name after (no write). */
/** Up to how many ended codes referencesOf() looks them up by array overlap (tests set it to 0 to take the joins). */
export const REFERENCE_LOOKUP = { overlapMax: 64 };

export async function referencesOf(trx: Trx, succ: Map<string, string[]>): Promise<ReferenceChange[]> {
  const ended = [...succ.keys()];
  if (!ended.length) return [];
  // A few ended codes (one edit): array overlap through the GIN indexes. Many (a large draft): hash joins of every
  // listed code with them — an overlap compares each pair of a row's codes and the ended ones (~1 s for a thousand
  // collector areas against a thousand ended codes), while unnesting every list costs ~20 ms at 100k grids.
  const few = ended.length <= REFERENCE_LOOKUP.overlapMax;
  const naming = (table: string, column: string) =>
    few
      ? sql`${sql.ref(column)} && ${ended}::text[]`
      : sql`id in (select x.id from ${sql.table(table)} x cross join lateral unnest(x.${sql.ref(column)}) c(code)
          join e on e.code = c.code)`;
  const rows = await sql<{ kind: ReferenceChange['kind']; id: number; name: string; codes: string[] }>`
    with e as (select distinct unnest(${ended}::text[]) as code)
    select 'collector_area' as kind, id, name, grid_codes as codes from collector_area
    where ${naming('collector_area', 'grid_codes')}
    union all
    select 'rule', id, name, area_codes from resp_rule where area_kind = 'regions' and ${naming('resp_rule', 'area_codes')}
    union all
    select 'area_class', id, name, area_codes from area_class_zone
    where area_kind = 'regions' and ${naming('area_class_zone', 'area_codes')}
    order by 1, 2`.execute(trx);
  const changes = rows.rows.map((r) => ({
    kind: r.kind,
    id: r.id,
    name: r.name,
    from: r.codes,
    to: follow(r.codes, succ),
  }));
  // A unit grid belongs to one collector area: a code an area gains (a merge's survivor) stays with the area that
  // already holds it.
  if (changes.some((c) => c.kind === 'collector_area')) {
    const gained = [
      ...new Set(changes.flatMap((a) => (a.kind === 'collector_area' ? a.to.filter((c) => !a.from.includes(c)) : []))),
    ];
    const held = await sql<{ id: number; code: string }>`
      select x.id, c.code from collector_area x cross join lateral unnest(x.grid_codes) c(code)
      where x.grid_codes && ${gained}::text[] and c.code = any(${gained}::text[])`.execute(trx);
    const holder = new Map(held.rows.map((h) => [h.code, h.id]));
    for (const a of changes)
      if (a.kind === 'collector_area')
        a.to = a.to.filter((c) => a.from.includes(c) || !holder.has(c) || holder.get(c) === a.id);
  }
  return changes;
}

export async function publishDraft(trx: Trx, draftId: number, actor: Actor) {
  const stale = await sql<{ code: string; level: string }>`
    select f.level, f.code from grid_draft_feature f
    where f.draft_id = ${draftId} and f.superseded_step is null and (
      (f.base_id is not null and not exists (
         select 1 from unit_grid g where f.level = 'grid' and g.id = f.base_id and g.termination_date is null
         union all select 1 from region r where f.level <> 'grid' and r.id = f.base_id and r.termination_date is null))
      or (f.base_id is null and exists (
         -- code is char(15): compared as text, no index applies (a scan of every live grid per new code)
         select 1 from unit_grid g where f.level = 'grid' and g.code = f.code::bpchar and g.termination_date is null)))
    order by 1, 2`.execute(trx);
  if (stale.rows.length)
    throw new HttpError(
      409,
      'draft-stale',
      'Changed since drafted',
      `published since this draft was made: ${stale.rows.map((r) => `${r.level} ${r.code}`).join(', ')}; discard the draft or undo its steps on them and edit again`,
      { codes: stale.rows.map((r) => r.code) },
    );
  const steps = await sql<{ op: string; params: unknown; summary: { successors?: Record<string, string[]> } }>`
    select op, params, summary from grid_draft_step where draft_id = ${draftId} order by seq`.execute(trx);
  const draft = (await sql<{ name: string }>`select name from grid_draft where id = ${draftId}`.execute(trx)).rows[0];
  const succ = composeSuccessors(steps.rows.map((s) => s.summary.successors ?? {}));
  const change = (
    await sql<{ id: number }>`insert into grid_change (actor_id, actor_name, draft_id, draft_name, ops)
      values (${actor.id}, ${actor.name}, ${draftId}, ${draft?.name ?? null},
              ${JSON.stringify(steps.rows.map((s) => ({ op: s.op, params: s.params, summary: s.summary })))}::jsonb)
      returning id`.execute(trx)
  ).rows[0].id;
  const cur = sql`(select * from grid_draft_feature where draft_id = ${draftId} and superseded_step is null)`;
  const ended = await sql<{ code: string }>`
    update unit_grid g set termination_date = current_date, ended_by = ${change}, updated_at = now()
    from ${cur} f where f.level = 'grid' and f.base_id = g.id returning g.code`.execute(trx);
  await sql`update region r set termination_date = current_date, ended_by = ${change}, updated_at = now()
    from ${cur} f where f.level <> 'grid' and f.base_id = r.id`.execute(trx);
  await sql`insert into region (code, level, parent_code, district_code, name, geom, area_m2, version, started_by)
    select f.code, f.level, case when f.level = 'district' then null else left(f.code, length(f.code) - 3) end,
      left(f.code, 6), f.name, f.geom, ST_Area(f.geom::geography),
      coalesce((select r.version from region r where r.id = f.base_id), 0) + 1, ${change}
    from ${cur} f where f.level <> 'grid' and f.geom is not null order by length(f.code), f.code`.execute(trx);
  const started = await sql<{ code: string }>`
    insert into unit_grid (code, name, community_code, street_code, district_code, geom, area_m2, version, started_by)
    select f.code, f.name, left(f.code, 12), left(f.code, 9), left(f.code, 6), f.geom, ST_Area(f.geom::geography),
      coalesce((select g.version from unit_grid g where g.id = f.base_id), 0) + 1, ${change}
    from ${cur} f where f.level = 'grid' and f.geom is not null order by f.code returning code`.execute(trx);
  const endedCodes = ended.rows.map((r) => r.code);
  await deriveComponentRegions(
    trx,
    sql`c.geom is not null and (c.grid_code = any(${endedCodes}::text[]) or exists (select 1 from ${cur} f
      where f.level = 'grid' and f.geom && c.geom and ST_Intersects(f.geom, c.geom)))`,
  );
  const references = await referencesOf(trx, succ);
  for (const r of references) {
    if (!r.to.length)
      throw unprocessable(
        `${r.kind.replace('_', ' ')} ${r.id} (${r.name}) would name no unit grid after publishing: change it first`,
      );
    if (r.kind === 'collector_area')
      await sql`update collector_area set grid_codes = ${r.to}::text[], version = version + 1, updated_at = now() where id = ${r.id}`.execute(
        trx,
      );
    else if (r.kind === 'rule')
      await sql`update resp_rule set area_codes = ${r.to}::text[], version = version + 1, updated_at = now() where id = ${r.id}`.execute(
        trx,
      );
    else
      await sql`update area_class_zone set area_codes = ${r.to}::text[], version = version + 1, updated_at = now() where id = ${r.id}`.execute(
        trx,
      );
  }
  const audit: AuditEntry[] = references.map((r) => ({
    action: 'follow-grid-change',
    entity: r.kind,
    key: String(r.id),
    detail: { old: { codes: r.from }, new: { codes: r.to }, change_id: change },
  }));
  const startedCodes = started.rows.map((r) => r.code);
  const result: PublishResult = {
    change_id: Number(change),
    retired: endedCodes.filter((c) => !startedCodes.includes(c)).sort(),
    created: startedCodes.filter((c) => !endedCodes.includes(c)).sort(),
    changed: startedCodes.filter((c) => endedCodes.includes(c)).sort(),
    references,
  };
  return { result, audit };
}
