/**
 * What-if before publishing a draft: which open cases would move to another grid, collector area or department,
 * and which rules, area classes and collector areas name codes that end (and what they would name). Worked out by
 * publishing the draft inside a transaction that is always rolled back, then assigning the open cases inside the area
 * the change touches (changedArea(), as the re-assignment after publishing selects them) with the same assign()
 * intake uses — so the answer is what publishing would do.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { assign } from '../assign/assign.js';
import { changedArea, inArea } from '../assign/reassign-compute.js';
import { getDraft } from './drafts.js';
import { composeSuccessors, publishDraft, referencesOf, type ReferenceChange } from './publish.js';

/** States in which the department still follows the assignment (after dispatch it is only proposed). */
const BEFORE_DISPATCH = ['reported', 'verifying', 'accepted', 'filed'];

export interface CaseMove {
  id: number;
  state: string;
  grid: { from: string | null; to: string | null };
  collector_area: { from: number | null; to: number | null };
  department: { from: string | null; to: string | null; follows: boolean };
}

export interface WhatIf {
  draft: number;
  cases_examined: number;
  counts: { grid: number; collector_area: number; department: number; department_proposed: number; references: number };
  cases: CaseMove[];
  references: ReferenceChange[];
}

class Rollback {
  constructor(readonly value: WhatIf) {}
}

export async function whatIf(db: Kysely<DB>, user: User, id: number, now = new Date()): Promise<WhatIf> {
  await getDraft(db, user, id); // 404 outside the scope
  try {
    await db.transaction().execute(async (trx) => {
      await sql`set local jit = off`.execute(trx);
      const steps = await sql<{ summary: { successors?: Record<string, string[]> } }>`
        select summary from grid_draft_step where draft_id = ${id} order by seq`.execute(trx);
      const references = await referencesOf(trx, composeSuccessors(steps.rows.map((s) => s.summary.successors ?? {})));
      const { result } = await publishDraft(trx, id, user);
      // The cases publishing would place again: the open ones inside the area the change touches.
      const area = await changedArea(trx, [result.change_id]);
      const open = !area.length
        ? { rows: [] }
        : await sql<{
            id: number;
            state: string;
            lon: number;
            lat: number;
            category_kind: string;
            category_code: string;
            component_code: string | null;
            grid_code: string | null;
            collector_area_id: number | null;
            department_code: string | null;
          }>`select c.id::int as id, c.state, c.lon, c.lat, c.category_kind, c.category_code, c.component_code,
               c.grid_code, c.collector_area_id, c.department_code
             from case_record c
             where c.closed_at is null and c.state <> 'voided' and c.geom is not null and ${inArea(area)}
             order by c.id`.execute(trx);
      const cases: CaseMove[] = [];
      for (const c of open.rows) {
        const a = await assign(trx, {
          lon: c.lon,
          lat: c.lat,
          kind: c.category_kind,
          code: c.category_code,
          componentCode: c.component_code,
          at: now,
        });
        const m: CaseMove = {
          id: c.id,
          state: c.state,
          grid: { from: c.grid_code, to: a.grid?.code ?? null },
          collector_area: { from: c.collector_area_id, to: a.collector_area?.id ?? null },
          department: {
            from: c.department_code,
            to: a.department?.code ?? null,
            follows: BEFORE_DISPATCH.includes(c.state),
          },
        };
        if (
          m.grid.from !== m.grid.to ||
          m.collector_area.from !== m.collector_area.to ||
          m.department.from !== m.department.to
        )
          cases.push(m);
      }
      const changedDept = cases.filter((m) => m.department.from !== m.department.to);
      throw new Rollback({
        draft: id,
        cases_examined: open.rows.length,
        counts: {
          grid: cases.filter((m) => m.grid.from !== m.grid.to).length,
          collector_area: cases.filter((m) => m.collector_area.from !== m.collector_area.to).length,
          department: changedDept.filter((m) => m.department.follows).length,
          department_proposed: changedDept.filter((m) => !m.department.follows).length,
          references: references.length,
        },
        cases,
        references,
      });
    });
  } catch (e) {
    if (e instanceof Rollback) return e.value;
    throw e;
  }
  throw new Error('unreachable: the what-if transaction always rolls back');
}
