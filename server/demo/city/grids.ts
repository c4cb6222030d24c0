/**
 * Step 6 of the demo city: unit grids. Each block is cut into polyominoes (singles, dominoes, I/L-trominoes, 2×2); a
 * few grids are two cells touching at a corner (MultiPolygon) and a few 2×2 grids become a ring around a park grid
 * (a Polygon with a hole whose hole is exactly another grid).
 */
import { stream } from '../prng.js';
import type { VertexStore } from './assemble.js';
import type { Blocks } from './blocks.js';
import type { Lattice } from './lattice.js';
import { shuffle } from './names.js';
import type { Roads } from './roads.js';

// Shapes of unit grids, as cell offsets [di, dj] (j grows southwards) from the anchor (first cell in row-major order)
interface Shape {
  w: number;
  cells: [number, number][];
  /** cells that must be in the same block (corner pairs) */ also?: [number, number][];
}
const SHAPES: Shape[] = [
  { w: 17, cells: [[0, 0]] },
  {
    w: 20,
    cells: [
      [0, 0],
      [1, 0],
    ],
  },
  {
    w: 20,
    cells: [
      [0, 0],
      [0, 1],
    ],
  },
  {
    w: 1.5,
    cells: [
      [0, 0],
      [1, 0],
      [2, 0],
    ],
  },
  {
    w: 1.5,
    cells: [
      [0, 0],
      [0, 1],
      [0, 2],
    ],
  },
  {
    w: 2.5,
    cells: [
      [0, 0],
      [1, 0],
      [0, 1],
    ],
  },
  {
    w: 2.5,
    cells: [
      [0, 0],
      [1, 0],
      [1, 1],
    ],
  },
  {
    w: 2.5,
    cells: [
      [0, 0],
      [0, 1],
      [1, 1],
    ],
  },
  {
    w: 2.5,
    cells: [
      [0, 0],
      [0, 1],
      [-1, 1],
    ],
  },
  {
    w: 9,
    cells: [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ],
  },
  {
    w: 0.35,
    cells: [
      [0, 0],
      [1, 1],
    ],
    also: [
      [1, 0],
      [0, 1],
    ],
  },
  {
    w: 0.35,
    cells: [
      [0, 0],
      [-1, 1],
    ],
    also: [
      [-1, 0],
      [0, 1],
    ],
  },
];
const SQUARE = 9;

export interface Grid {
  cells: number[];
  block: number;
  /** Sort key for serials: row then column of the anchor cell (parks: centre of their ring). */
  row: number;
  col: number;
  kind: 'plain' | 'multi' | 'ring' | 'park';
  /** Inner quad (CCW vertex ids) for rings (their hole) and parks (their outline). */
  quad?: number[];
  community?: number;
  serial?: number;
}

// --- 6. unit grids: polyominoes within blocks ------------------------------------------------------------------
/** Cuts the blocks into unit grids; adds the park quads' vertices to `verts`. */
export function cutGrids(
  seed: number,
  lat: Lattice,
  { blockOf, blockCells }: Blocks,
  open: Roads['open'],
  verts: VertexStore,
): Grid[] {
  const { NC, NR, vid, cellAt } = lat;
  const nBlocks = blockCells.length;
  const rg = stream(seed, 'grids');
  const gridOf = new Int32Array(NC * NR).fill(-1);
  const grids: Grid[] = [];
  const squares: number[] = [];
  const totalW = SHAPES.reduce((s, sh) => s + sh.w, 0);
  const fits = (sh: Shape, i: number, j: number, b: number) => {
    const cs: number[] = [];
    for (const [di, dj] of sh.cells) {
      const c = cellAt(i + di, j + dj);
      if (c < 0 || blockOf[c] !== b || gridOf[c] !== -1) return null;
      cs.push(c);
    }
    if (sh.also) {
      const all = [...cs];
      for (const [di, dj] of sh.also) {
        const c = cellAt(i + di, j + dj);
        if (c < 0 || blockOf[c] !== b) return null;
        all.push(c);
      }
      // The 2×2 window must have no road inside.
      for (const p of all) for (const q of all) if (p < q && (q - p === 1 || q - p === NC) && !open(p, q)) return null;
    } else {
      for (const p of cs)
        for (const q of cs) if (p < q && (q - p === NC || (q - p === 1 && q % NC !== 0)) && !open(p, q)) return null;
    }
    return cs;
  };
  for (let b = 0; b < nBlocks; b++) {
    for (const c of blockCells[b]) {
      if (gridOf[c] !== -1) continue;
      const i = c % NC,
        j = (c - i) / NC;
      let cand = SHAPES.map((_, k) => k),
        sumW = totalW,
        chosen: number[] | null = null,
        shapeIx = 0;
      while (!chosen) {
        let t = rg() * sumW,
          k = 0;
        while (k < cand.length - 1 && t >= SHAPES[cand[k]].w) {
          t -= SHAPES[cand[k]].w;
          k++;
        }
        shapeIx = cand[k];
        chosen = fits(SHAPES[shapeIx], i, j, b);
        if (!chosen) {
          sumW -= SHAPES[shapeIx].w;
          cand = cand.filter((x) => x !== shapeIx);
        }
      }
      const g = grids.length;
      for (const x of chosen) gridOf[x] = g;
      grids.push({ cells: chosen, block: b, row: j, col: i, kind: SHAPES[shapeIx].also ? 'multi' : 'plain' });
      if (shapeIx === SQUARE) squares.push(g);
    }
  }
  // A few 2×2 grids become a ring around a park; make sure there are MultiPolygon grids too.
  shuffle(squares, rg);
  const wantHoled = Math.max(3, Math.round(grids.length / 500));
  const wantMulti = Math.max(3, Math.round(grids.length / 400));
  let nMulti = grids.filter((g) => g.kind === 'multi').length;
  let sq = 0;
  for (let h = 0; h < wantHoled && sq < squares.length; h++, sq++) {
    const ring = grids[squares[sq]];
    const i = ring.col,
      j = ring.row;
    const ctr = vid(i + 1, j + 1);
    const corners = [vid(i, j + 2), vid(i + 2, j + 2), vid(i + 2, j), vid(i, j)]; // SW, SE, NE, NW (CCW)
    const quad = corners.map((v) => verts.add((verts.xs[ctr] + verts.xs[v]) / 2, (verts.ys[ctr] + verts.ys[v]) / 2));
    ring.kind = 'ring';
    ring.quad = quad;
    grids.push({ cells: [], block: ring.block, row: j + 0.5, col: i + 0.5, kind: 'park', quad });
  }
  for (; nMulti < wantMulti && sq < squares.length; sq++) {
    const g = grids[squares[sq]];
    const [nw, ne, sw, se] = g.cells; // row-major order
    g.cells = [nw, se];
    g.kind = 'multi';
    const g2 = grids.length;
    gridOf[ne] = g2;
    gridOf[sw] = g2;
    grids.push({ cells: [ne, sw], block: g.block, row: g.row, col: g.col + 1, kind: 'multi' });
    nMulti += 2;
  }
  return grids;
}
