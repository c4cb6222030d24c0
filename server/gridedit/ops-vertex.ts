/**
 * Reshaping a shared boundary: move, add or delete a vertex of a grid's edge, and every feature that shares it —
 * the neighbouring grids, and the community, street and district boundaries through it — follows (vertex.ts).
 */
import { featuresNear, fromCoords, put, type Trx } from './workspace.js';
import { liveGrid, refuse, type StepResult } from './ops.js';
import {
  TOLERANCE,
  deleteVertex,
  hasVertex,
  insertOnEdges,
  moveVertex,
  nearestEdge,
  nearestVertex,
  type MultiPolygonCoords,
  type Position,
} from './vertex.js';

/** Degrees: how far from a vertex or an edge the client's point may be (~10 cm). */
export const PICK = 1e-6;

export interface ReshapeParams {
  code: string;
  action: 'move' | 'add' | 'delete';
  /** The vertex (move, delete) or the point on an edge (add). */
  at: Position;
  /** Where the vertex goes (move; optional for add). */
  to?: Position;
}

function project(p: Position, [a, b]: [Position, Position]): Position {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy || 1)));
  return [a[0] + t * dx, a[1] + t * dy];
}

export async function reshape(trx: Trx, draftId: number, step: number, p: ReshapeParams): Promise<StepResult> {
  const g = await liveGrid(trx, draftId, p.code);
  let v: Position;
  if (p.action === 'add') {
    const edge = nearestEdge(g.geom, p.at, PICK);
    if (!edge) refuse(`no edge of unit grid ${p.code} passes through ${p.at.join(', ')}`, 'body.at');
    v = project(p.at, edge!);
  } else {
    const found = nearestVertex(g.geom, p.at, PICK);
    if (!found) refuse(`unit grid ${p.code} has no vertex at ${p.at.join(', ')}`, 'body.at');
    v = found!;
  }
  if (p.action === 'move' && !p.to) refuse('moving a vertex needs `to`', 'body.to');
  const near = await featuresNear(trx, draftId, v[0], v[1], TOLERANCE * 10);
  const changed: string[] = [];
  for (const f of near) {
    let geom: MultiPolygonCoords = f.geom;
    let n = 0;
    if (!hasVertex(geom, v)) ({ geom, n } = insertOnEdges(geom, v));
    if (p.action === 'delete') {
      if (!n) {
        const r = deleteVertex(geom, v);
        if (r.degenerate)
          refuse(`deleting the vertex would leave ${f.level} ${f.code} with fewer than three corners`, 'body.at');
        ({ geom, n } = r);
      }
    } else if (p.to) {
      const r = moveVertex(geom, v, p.to);
      geom = r.geom;
      n += r.n;
    }
    if (!n) continue;
    await put(trx, draftId, step, { level: f.level, code: f.code, name: f.name, geom: fromCoords(geom) });
    changed.push(`${f.level}:${f.code}`);
  }
  const codes = changed.map((c) => c.split(':')[1]);
  return {
    summary: { op: 'reshape', action: p.action, code: p.code, vertex: v, ...(p.to ? { to: p.to } : {}), changed },
    successors: {},
    communities: [...new Set(codes.filter((c) => c.length >= 12).map((c) => c.slice(0, 12)))],
    streets: [...new Set(codes.filter((c) => c.length >= 9).map((c) => c.slice(0, 9)))],
  };
}
