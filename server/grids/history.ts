/**
 * A unit grid's history: every row its code ever had (each edit ends a row and starts one), the changes that
 * started and ended them (grid_change: who, when, which draft, what), and the codes its area came from or went to.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

interface ChangeRow {
  id: number;
  at: string;
  actor_name: string;
  draft_name: string | null;
  ops: { op: string; summary: { successors?: Record<string, string[]> } & Record<string, unknown> }[];
}

export async function gridHistory(db: Kysely<DB>, code: string) {
  const rows = await sql<{
    version: number;
    name: string;
    initial_date: string;
    termination_date: string | null;
    area_m2: number;
    geometry: unknown;
    started_by: number | null;
    ended_by: number | null;
  }>`select version, name, initial_date, termination_date, round(area_m2::numeric, 1)::float8 as area_m2,
       ST_AsGeoJSON(geom, 7)::json as geometry, started_by::int as started_by, ended_by::int as ended_by
     from unit_grid where code = ${code} order by id`.execute(db);
  if (!rows.rows.length) return undefined;
  const ids = [...new Set(rows.rows.flatMap((r) => [r.started_by, r.ended_by]).filter((x): x is number => x !== null))];
  const changes = ids.length
    ? (
        await sql<ChangeRow>`select id::int as id, at, actor_name, draft_name, ops from grid_change
          where id = any(${ids}::bigint[]) order by id`.execute(db)
      ).rows
    : [];
  const byId = new Map(changes.map((c) => [c.id, c]));
  const describe = (id: number | null) => {
    const c = id === null ? undefined : byId.get(id);
    if (!c) return null;
    return {
      change_id: c.id,
      at: c.at,
      actor: c.actor_name,
      draft: c.draft_name,
      ops: c.ops.map((o) => {
        const { successors: _s, ...rest } = o.summary;
        return rest;
      }),
    };
  };
  const predecessors = new Set<string>();
  const successors = new Set<string>();
  for (const c of changes)
    for (const o of c.ops)
      for (const [from, to] of Object.entries(o.summary.successors ?? {})) {
        if (to.includes(code) && from !== code) predecessors.add(from);
        if (from === code) to.forEach((t) => successors.add(t));
      }
  return {
    code,
    live: rows.rows[rows.rows.length - 1].termination_date === null,
    versions: rows.rows.map((r) => ({
      version: r.version,
      name: r.name,
      initial_date: r.initial_date,
      termination_date: r.termination_date,
      area_m2: r.area_m2,
      geometry: r.geometry,
      started_by: describe(r.started_by),
      ended_by: describe(r.ended_by),
    })),
    predecessors: [...predecessors].sort(),
    successors: [...successors].sort(),
  };
}
