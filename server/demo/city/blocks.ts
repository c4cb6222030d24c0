/**
 * Steps 4 and 5 of the demo city: the lattice vertices (a smooth displacement field gives curved roads, plus a small
 * per-vertex jitter off the roads) and the blocks (the district's cells between roads).
 */
import { stream } from '../prng.js';
import { VertexStore } from './assemble.js';
import type { Lattice } from './lattice.js';
import { CELL_MIN } from './params.js';
import type { Roads } from './roads.js';

// --- 4. vertices: smooth displacement (curved roads) + jitter off the roads ----------------------------------
export function placeVertices(seed: number, lat: Lattice, roads: Roads): VertexStore {
  const { NC, NR, colX, rowY, vid } = lat;
  const { vBar, hBar } = roads;
  const rv = stream(seed, 'vertices');
  const waves = (n: number) =>
    Array.from({ length: n }, () => {
      const ang = rv() * 2 * Math.PI,
        len = 1200 + 2300 * rv();
      return {
        kx: (Math.cos(ang) * 2 * Math.PI) / len,
        ky: (Math.sin(ang) * 2 * Math.PI) / len,
        amp: 6 + 12 * rv(),
        phi: rv() * 2 * Math.PI,
      };
    });
  const wx = waves(3),
    wy = waves(3);
  const field = (ws: typeof wx, x: number, y: number) =>
    ws.reduce((s, w) => s + w.amp * Math.sin(w.kx * x + w.ky * y + w.phi), 0);
  const onRoad = new Uint8Array((NC + 1) * (NR + 1));
  for (let j = 0; j < NR; j++)
    for (let c = 0; c <= NC; c++)
      if (vBar[j * (NC + 1) + c]) {
        onRoad[vid(c, j)] = 1;
        onRoad[vid(c, j + 1)] = 1;
      }
  for (let r = 0; r <= NR; r++)
    for (let i = 0; i < NC; i++)
      if (hBar[r * NC + i]) {
        onRoad[vid(i, r)] = 1;
        onRoad[vid(i + 1, r)] = 1;
      }
  const verts = new VertexStore();
  const jit = 0.07 * CELL_MIN;
  for (let j = 0; j <= NR; j++) {
    for (let i = 0; i <= NC; i++) {
      const x0 = colX[i],
        y0 = rowY[j];
      let x = x0 + field(wx, x0, y0),
        y = y0 + field(wy, x0, y0);
      const jx = (rv() * 2 - 1) * jit,
        jy = (rv() * 2 - 1) * jit;
      if (!onRoad[vid(i, j)]) {
        x += jx;
        y += jy;
      }
      verts.add(x, y);
    }
  }
  return verts;
}

export interface Blocks {
  /** Block of each cell (-1 outside the district). */
  blockOf: Int32Array;
  /** Cells of each block, row-major: north→south, west→east. */
  blockCells: number[][];
}

// --- 5. blocks (cells between roads) --------------------------------------------------------------------------
export function findBlocks(lat: Lattice, mask: Uint8Array, open: Roads['open']): Blocks {
  const { NC, NR } = lat;
  const blockOf = new Int32Array(NC * NR).fill(-1);
  const blockCells: number[][] = [];
  for (let c = 0; c < NC * NR; c++) {
    if (!mask[c] || blockOf[c] !== -1) continue;
    const b = blockCells.length;
    const cells: number[] = [];
    const stack = [c];
    blockOf[c] = b;
    while (stack.length) {
      const x = stack.pop()!;
      cells.push(x);
      const i = x % NC,
        j = (x - i) / NC;
      const nb = [i > 0 ? x - 1 : -1, i < NC - 1 ? x + 1 : -1, j > 0 ? x - NC : -1, j < NR - 1 ? x + NC : -1];
      for (const m of nb)
        if (m >= 0 && mask[m] && blockOf[m] === -1 && open(x, m)) {
          blockOf[m] = b;
          stack.push(m);
        }
    }
    cells.sort((p, q) => p - q); // row-major: north→south, west→east
    blockCells.push(cells);
  }
  return { blockOf, blockCells };
}
