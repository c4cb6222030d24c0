/**
 * Linking a component to a case (关联部件): the dispatcher picks one of the suggested components (or any component of
 * the case's class). Before dispatch the case is assigned again with it, so the component rule (its maintainer, else
 * its owner) decides the department; after dispatch moving work is 改派's job, so linking is refused there.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { inScope } from '../auth/policy.js';
import { assign } from '../assign/assign.js';
import { requireMatch, write } from '../db/write.js';
import { conflict, forbidden, notFound, unprocessable } from '../http/problem.js';
import { STATE_LABEL, type State } from './workflow.js';

/** States in which the department still follows the assignment. */
export const LINKABLE: State[] = ['reported', 'verifying', 'accepted', 'filed'];

export async function linkComponent(
  db: Kysely<DB>,
  id: number,
  componentCode: string,
  user: User,
  opts: { ifMatch?: string[]; now?: Date } = {},
): Promise<void> {
  const now = opts.now ?? new Date();
  await write(db, { actor: user, layers: ['cases'] }, async (trx) => {
    const c = (
      await sql<{
        state: State;
        lon: number;
        lat: number;
        category_kind: string;
        category_code: string;
        region: string;
        version: number;
      }>`select state, lon, lat, category_kind, category_code, version,
          coalesce(grid_code, community_code, street_code, district_code, '') as region
        from case_record where id = ${id} for update`.execute(trx)
    ).rows[0];
    if (!c || !inScope(user, c.region)) throw notFound(`no case ${id} in your region scope`);
    requireMatch(opts.ifMatch, c.version, `case ${id}`);
    if (!LINKABLE.includes(c.state))
      throw conflict(
        `a case in state ${c.state} (${STATE_LABEL[c.state]}) has been dispatched: link components before dispatch; use 改派 (reassign) to move the work`,
        { state: c.state },
      );
    const k = (
      await sql<{ code: string; category_code: string; grid_code: string | null }>`
        select code, category_code, grid_code from component where code = ${componentCode}`.execute(trx)
    ).rows[0];
    if (!k)
      throw unprocessable(`unknown component ${componentCode}`, {
        errors: [{ location: 'body.component_code', message: `unknown component ${componentCode}` }],
      });
    if (c.category_kind === 'component' && k.category_code !== c.category_code) {
      const message = `component ${componentCode} is of class ${k.category_code}, not the case's category ${c.category_code}`;
      throw unprocessable(message, { errors: [{ location: 'body.component_code', message }] });
    }
    if (k.grid_code && !inScope(user, k.grid_code))
      throw forbidden(`component ${componentCode} lies outside your region scope`);
    const a = await assign(trx, {
      lon: c.lon,
      lat: c.lat,
      kind: c.category_kind as 'component' | 'matter',
      code: c.category_code,
      componentCode,
      at: now,
    });
    await sql`update case_record set component_code = ${componentCode}, department_code = ${a.department?.code ?? null},
        rule_id = ${a.matched.rule_id ?? null}, rule_version = ${a.matched.rule_version ?? null},
        assignment = ${JSON.stringify(a)}::jsonb, assignment_version = ${a.version}, version = version + 1,
        updated_at = ${now}
      where id = ${id}`.execute(trx);
    return {
      result: undefined,
      caseEvent: {
        case_id: id,
        at: now,
        action: 'link_component',
        from_state: c.state,
        to_state: c.state,
        note: `关联部件 ${componentCode}`,
        deadline: null,
        detail: { component_code: componentCode, department: a.department?.code ?? null, matched: a.matched },
      },
    };
  });
}
