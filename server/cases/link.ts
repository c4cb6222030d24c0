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
import { write } from '../db/write.js';
import { conflict, forbidden, unprocessable } from '../http/problem.js';
import { assignmentColumns, lockUndispatched } from './before-dispatch.js';

export async function linkComponent(
  db: Kysely<DB>,
  id: number,
  componentCode: string,
  user: User,
  opts: { ifMatch?: string[]; now?: Date } = {},
): Promise<void> {
  const now = opts.now ?? new Date();
  await write(db, { actor: user, layers: ['cases'] }, async (trx) => {
    const c = await lockUndispatched(trx, id, user, opts.ifMatch, 'link components');
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
    if (c.lon === null || c.lat === null)
      throw conflict(`case ${id} has no location yet: place it (定位) before linking a component`);
    const a = await assign(trx, {
      lon: c.lon,
      lat: c.lat,
      kind: c.category_kind,
      code: c.category_code,
      componentCode,
      at: now,
    });
    await sql`update case_record set component_code = ${componentCode}, ${assignmentColumns(a, now)}
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
