/**
 * Vertex edits on shared boundaries (pure): every polygon that has the vertex moves it, gets it or loses it, so two
 * grids (and their community, street and district) that share an edge keep sharing it — no gap, no overlap.
 *
 * A "shared vertex" is matched within TOLERANCE degrees (~1 mm), so coordinates that went through a 7-decimal export
 * still find it. A polygon whose edge passes through the vertex without having it (a T-junction: a split's end on a
 * neighbour's side) first gets the vertex inserted into that edge, so it follows the move too.
 */
export type Position = [number, number];
export type MultiPolygonCoords = Position[][][];

/** Degrees: two coordinates closer than this are one vertex (~1 mm). */
export const TOLERANCE = 1e-8;

const near = (a: Position, b: Position, tol = TOLERANCE) =>
  Math.abs(a[0] - b[0]) <= tol && Math.abs(a[1] - b[1]) <= tol;

/** Distance (degrees) from p to the segment a–b, and where along it (0–1). */
function toSegment(p: Position, a: Position, b: Position): { d: number; t: number } {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return { d: Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy)), t };
}

const mapRings = (g: MultiPolygonCoords, f: (ring: Position[]) => Position[]): MultiPolygonCoords =>
  g.map((poly) => poly.map(f));

/** Whether any vertex of the polygon is at p. */
export const hasVertex = (g: MultiPolygonCoords, p: Position, tol = TOLERANCE): boolean =>
  g.some((poly) => poly.some((ring) => ring.some((q) => near(q, p, tol))));

/** Inserts p into every edge that passes within tol of it and has no vertex there (T-junctions). */
export function insertOnEdges(
  g: MultiPolygonCoords,
  p: Position,
  tol = TOLERANCE,
): { geom: MultiPolygonCoords; n: number } {
  let n = 0;
  const geom = mapRings(g, (ring) => {
    const out: Position[] = [ring[0]];
    for (let i = 1; i < ring.length; i++) {
      const a = ring[i - 1];
      const b = ring[i];
      if (!near(a, p, tol) && !near(b, p, tol) && toSegment(p, a, b).d <= tol) {
        out.push([p[0], p[1]]);
        n++;
      }
      out.push(b);
    }
    return out;
  });
  return { geom, n };
}

/** Moves every vertex at `from` to `to`; returns how many positions moved (a ring's closing pair counts once). */
export function moveVertex(g: MultiPolygonCoords, from: Position, to: Position, tol = TOLERANCE) {
  let n = 0;
  const geom = mapRings(g, (ring) =>
    ring.map((q, i) => {
      if (!near(q, from, tol)) return q;
      if (i < ring.length - 1) n++;
      return [to[0], to[1]] as Position;
    }),
  );
  return { geom, n };
}

/** Inserts `at` into every edge whose ends are a and b (either direction); returns how many edges got it. */
export function addVertex(g: MultiPolygonCoords, a: Position, b: Position, at: Position, tol = TOLERANCE) {
  let n = 0;
  const geom = mapRings(g, (ring) => {
    const out: Position[] = [ring[0]];
    for (let i = 1; i < ring.length; i++) {
      const u = ring[i - 1];
      const v = ring[i];
      if ((near(u, a, tol) && near(v, b, tol)) || (near(u, b, tol) && near(v, a, tol))) {
        out.push([at[0], at[1]]);
        n++;
      }
      out.push(v);
    }
    return out;
  });
  return { geom, n };
}

/**
 * Deletes every vertex at p. A ring left with fewer than three corners is an error (the caller names the feature);
 * deleting a ring's first vertex re-closes the ring on the next one.
 */
export function deleteVertex(
  g: MultiPolygonCoords,
  p: Position,
  tol = TOLERANCE,
): { geom: MultiPolygonCoords; n: number; degenerate: boolean } {
  let n = 0;
  let degenerate = false;
  const geom = mapRings(g, (ring) => {
    const open = ring.slice(0, -1);
    const kept = open.filter((q) => !near(q, p, tol));
    if (kept.length === open.length) return ring;
    n += open.length - kept.length;
    if (kept.length < 3) degenerate = true;
    return [...kept, kept[0]];
  });
  return { geom, n, degenerate };
}

/** The vertex of g nearest to p within `within` degrees (the client's click or a rounded coordinate), if any. */
export function nearestVertex(g: MultiPolygonCoords, p: Position, within: number): Position | undefined {
  let best: Position | undefined;
  let bestD = within;
  for (const poly of g)
    for (const ring of poly)
      for (const q of ring) {
        const d = Math.hypot(q[0] - p[0], q[1] - p[1]);
        if (d <= bestD) {
          bestD = d;
          best = q;
        }
      }
  return best;
}

/** The edge of g nearest to p within `within` degrees, as its two ends. */
export function nearestEdge(g: MultiPolygonCoords, p: Position, within: number): [Position, Position] | undefined {
  let best: [Position, Position] | undefined;
  let bestD = within;
  for (const poly of g)
    for (const ring of poly)
      for (let i = 1; i < ring.length; i++) {
        const { d } = toSegment(p, ring[i - 1], ring[i]);
        if (d <= bestD) {
          bestD = d;
          best = [ring[i - 1], ring[i]];
        }
      }
  return best;
}
