/**
 * Region edits where a region is the union of its children (GB/T 30428.1 codes follow the hierarchy):
 * - rename a community, street or district (the code stays);
 * - move communities to a neighbouring street of the same district, or to a new street made of them (a street
 *   office split, 街道拆分): each moved community gets the next community code of its new street, its grids keep
 *   their serials under the new community code, and both streets' boundaries follow.
 * Every ended code names its successor, so the library's references and the grids' history follow.
 */
import { sql } from 'kysely';
import { fromCoords, getFeature, put, view, type Trx } from './workspace.js';
import { moveArea, refuse, type StepResult } from './ops.js';

/** Rename a region (its code and boundary stay). */
export async function renameRegion(
  trx: Trx,
  draftId: number,
  step: number,
  p: { code: string; name: string },
): Promise<StepResult> {
  const level = p.code.length === 6 ? 'district' : p.code.length === 9 ? 'street' : 'community';
  const r = await getFeature(trx, draftId, level, p.code);
  if (!r) refuse(`no ${level} ${p.code}`, 'code');
  await put(trx, draftId, step, { level, code: p.code, name: p.name, geom: fromCoords(r!.geom) });
  return {
    summary: { op: 'rename-region', code: p.code, from: r!.name, to: p.name },
    successors: {},
    communities: [],
    streets: [],
  };
}

/** The next free region code under a parent (never one given before, live, ended or drafted). */
async function nextRegionCode(trx: Trx, parent: string, len: number): Promise<string> {
  const r = await sql<{ top: number | null }>`
    select max(right(code, 3)::int) as top from (
      select code from region where left(code, ${parent.length}) = ${parent} and length(code) = ${len}
      union all select code from grid_draft_feature
        where level <> 'grid' and left(code, ${parent.length}) = ${parent} and length(code) = ${len}) c`.execute(trx);
  const top = r.rows[0]?.top ?? 0;
  if (top >= 999) refuse(`${parent} has no free codes left`);
  return parent + String(top + 1).padStart(3, '0');
}

/**
 * Move communities to a street: `street` names an existing neighbouring street of the same district, or is null
 * for a new street named `streetName` in `district`, made of the communities.
 */
export async function moveCommunities(
  trx: Trx,
  draftId: number,
  step: number,
  p: { communities: string[]; street: string | null; streetName?: string; district?: string },
): Promise<StepResult> {
  const communities = [...new Set(p.communities)].sort();
  if (!communities.length) refuse('name at least one community to move', 'body.communities');
  const district = p.street?.slice(0, 6) ?? p.district!;
  const other = communities.find((c) => c.slice(0, 6) !== district);
  if (other)
    refuse(
      `community ${other} is not in district ${district}: communities move within their district`,
      'body.communities',
    );
  const feats = [];
  for (const c of communities) {
    const f = await getFeature(trx, draftId, 'community', c);
    if (!f) refuse(`no community ${c}`, 'body.communities');
    if (p.street && c.startsWith(p.street))
      refuse(`community ${c} is already in street ${p.street}`, 'body.communities');
    feats.push(f!);
  }
  const union = sql`(select ST_Multi(ST_Union(geom)) from ${view(draftId, 'community')} v where v.code = any(${communities}::text[]))`;
  let street = p.street;
  const successors: Record<string, string[]> = {};
  if (street) {
    const target = await getFeature(trx, draftId, 'street', street);
    if (!target) refuse(`no street ${street}`, 'body.street_code');
    const shared = await sql<{ m: number }>`
      select ST_Length(ST_Intersection(ST_Boundary(${union}), ST_Boundary(${fromCoords(target!.geom)}))::geography) as m`.execute(
      trx,
    );
    if (!(Number(shared.rows[0].m) > 0.01))
      refuse(
        `the communities do not border street ${street}: communities move only to a neighbouring street`,
        'body.street_code',
      );
  } else {
    street = await nextRegionCode(trx, district, 9);
    // The new street starts empty and gains each community as it moves in.
    await put(trx, draftId, step, {
      level: 'street',
      code: street,
      name: p.streetName!,
      geom: sql`ST_GeomFromText('MULTIPOLYGON EMPTY', 4326)`,
    });
  }
  const streets = new Set<string>([street]);
  for (const f of feats) {
    const newCode = await nextRegionCode(trx, street, 12);
    // The community's area leaves its street for the new one (the new community code receives it below).
    await moveArea(trx, draftId, step, fromCoords(f.geom), f.code, newCode, [['street', 9]]);
    streets.add(f.code.slice(0, 9));
    await put(trx, draftId, step, { level: 'community', code: f.code, name: f.name, geom: null });
    await put(trx, draftId, step, { level: 'community', code: newCode, name: f.name, geom: fromCoords(f.geom) });
    successors[f.code] = [newCode];
    const grids = await sql<{ code: string; name: string; geom: string }>`
      select v.code, v.name, ST_AsGeoJSON(ST_Multi(v.geom), 15) as geom from ${view(draftId, 'grid')} v
      where left(v.code, 12) = ${f.code} order by v.code`.execute(trx);
    for (const g of grids.rows) {
      const code = newCode + g.code.slice(12);
      await put(trx, draftId, step, { level: 'grid', code: g.code, name: g.name, geom: null });
      await put(trx, draftId, step, {
        level: 'grid',
        code,
        name: g.name,
        geom: fromCoords(JSON.parse(g.geom).coordinates),
      });
      successors[g.code] = [code];
    }
  }
  // A street left without communities ends; the street that took them succeeds it.
  for (const old of streets) {
    if (old === street) continue;
    const left = await sql<{ n: number }>`
      select count(*)::int as n from ${view(draftId, 'community')} v where left(v.code, 9) = ${old}`.execute(trx);
    if (left.rows[0].n === 0) {
      const f = await getFeature(trx, draftId, 'street', old);
      await put(trx, draftId, step, { level: 'street', code: old, name: f?.name ?? '', geom: null });
      successors[old] = [street];
    }
  }
  return {
    summary: {
      op: 'move-communities',
      street,
      new_street: p.street === null,
      moved: Object.fromEntries(communities.map((c) => [c, successors[c][0]])),
    },
    successors,
    communities: Object.values(successors)
      .flat()
      .filter((c) => c.length === 12),
    streets: [...streets].filter((c) => !successors[c]),
  };
}
