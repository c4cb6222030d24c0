/**
 * Polygon assembly from directed edges over ONE shared vertex array: opposite edges cancel, the rest is chained into
 * rings, rings touching themselves are split at the repeated vertex, CCW rings are shells and CW rings holes.
 */

export interface Rings {
  shells: number[][];
  holes: number[][][]; // holes[i] belong to shells[i]
}

export class VertexStore {
  xs: number[] = [];
  ys: number[] = [];
  add(x: number, y: number): number {
    this.xs.push(x);
    this.ys.push(y);
    return this.xs.length - 1;
  }
}

export function signedArea(ring: number[], xs: number[], ys: number[]): number {
  let s = 0;
  for (let i = 0, n = ring.length; i < n; i++) {
    const a = ring[i],
      b = ring[(i + 1) % n];
    s += xs[a] * ys[b] - xs[b] * ys[a];
  }
  return s / 2;
}

function pointInRing(px: number, py: number, ring: number[], xs: number[], ys: number[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const xi = xs[ring[i]],
      yi = ys[ring[i]],
      xj = xs[ring[j]],
      yj = ys[ring[j]];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Boundary of a union of consistently (CCW) oriented faces given by their directed edges (flat [a0,b0,a1,b1,…]).
 * Returns the rings (open: first vertex not repeated) and the remaining boundary edges (for the parent level).
 */
export function assemble(
  edges: ArrayLike<number>,
  nVertices: number,
  xs: number[],
  ys: number[],
): { rings: Rings; boundary: number[] } {
  const M = nVertices;
  const live = new Map<number, true>();
  for (let e = 0; e < edges.length; e += 2) {
    const a = edges[e],
      b = edges[e + 1];
    const back = b * M + a;
    if (live.has(back)) live.delete(back);
    else live.set(a * M + b, true);
  }
  const out = new Map<number, number[]>();
  const boundary: number[] = [];
  for (const key of live.keys()) {
    const a = Math.floor(key / M),
      b = key - a * M;
    boundary.push(a, b);
    const l = out.get(a);
    if (l) l.push(b);
    else out.set(a, [b]);
  }
  const shells: number[][] = [];
  const holes: number[][] = [];
  for (const [start, list] of out) {
    while (list.length) {
      // Walk until back at the start.
      const seq: number[] = [start];
      let cur = start;
      for (;;) {
        const next = out.get(cur)!.pop();
        if (next === undefined) throw new Error('demo-city: open boundary (internal error)');
        if (next === start) break;
        seq.push(next);
        cur = next;
      }
      // Split at repeated vertices so that every ring is simple (rings may touch others at points: valid OGC).
      const stack: number[] = [];
      const pos = new Map<number, number>();
      const loops: number[][] = [];
      for (const v of seq) {
        const p = pos.get(v);
        if (p !== undefined) {
          const loop = stack.splice(p);
          for (const u of loop) pos.delete(u);
          loops.push(loop);
        }
        pos.set(v, stack.length);
        stack.push(v);
      }
      loops.push(stack);
      for (const loop of loops) {
        if (loop.length < 3) throw new Error('demo-city: degenerate ring (internal error)');
        (signedArea(loop, xs, ys) > 0 ? shells : holes).push(loop);
      }
    }
  }
  const rings: Rings = { shells, holes: shells.map(() => []) };
  for (const h of holes) {
    let owner = 0;
    if (shells.length > 1) {
      owner = -1;
      for (let s = 0; s < shells.length && owner < 0; s++) {
        const sv = new Set(shells[s]);
        const probe = h.find((v) => !sv.has(v));
        if (probe !== undefined && pointInRing(xs[probe], ys[probe], shells[s], xs, ys)) owner = s;
      }
      if (owner < 0) throw new Error('demo-city: hole without shell (internal error)');
    }
    rings.holes[owner].push(h);
  }
  return { rings, boundary };
}
