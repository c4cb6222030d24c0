/**
 * Steps 1 and 3 of the demo city: the outline (a noisy, stretched, rotated blob), the lattice of cells with varying
 * column widths and row heights in a local metric plane (x east, y north), and the district mask over it.
 */
import { stream } from '../prng.js';
import { CELL_MAX, CELL_MEAN, CELL_MIN, CELLS_PER_GRID } from './params.js';

export interface Outline {
  /** Whether (x, y) lies in the blob scaled to `radius`. */
  inBlob: (x: number, y: number, radius: number) => boolean;
  /** First guess of the blob radius. */
  r0: number;
  /** Half the side of the square the lattice must cover. */
  half: number;
  targetCells: number;
}

export interface Lattice {
  /** Columns and rows of cells. */
  NC: number;
  NR: number;
  colW: number[];
  rowH: number[];
  /** x of the NC + 1 column lines (west→east), y of the NR + 1 row lines (north→south). */
  colX: Float64Array;
  rowY: Float64Array;
  /** Cell index, row-major (j grows southwards). */
  cellIdx: (i: number, j: number) => number;
  /** Cell index, or -1 outside the lattice. */
  cellAt: (i: number, j: number) => number;
  /** Id of the lattice vertex at column line i, row line j. */
  vid: (i: number, j: number) => number;
  cellCx: (i: number) => number;
  cellCy: (j: number) => number;
}

// --- 1. outline (a noisy, stretched, rotated blob) and lattice size ------------------------------------------
export function outline(seed: number, targetGrids: number): Outline {
  const rb = stream(seed, 'blob');
  const harm: { k: number; a: number; phi: number }[] = [];
  for (let k = 2; k <= 6; k++)
    harm.push({ k, a: (0.05 + 0.12 * rb()) / Math.pow(k - 1, 0.7), phi: rb() * 2 * Math.PI });
  const stretch = 1 + 0.35 * rb();
  const rot = rb() * Math.PI;
  const sumA = harm.reduce((s, h) => s + Math.abs(h.a), 0);
  const sumA2 = harm.reduce((s, h) => s + h.a * h.a, 0);
  const targetCells = targetGrids * CELLS_PER_GRID;
  const r0 = Math.sqrt((targetCells * CELL_MEAN * CELL_MEAN) / (Math.PI * (1 + sumA2 / 2)));
  const half = 1.2 * r0 * (1 + sumA) * stretch + 3 * CELL_MAX;
  const cosR = Math.cos(rot),
    sinR = Math.sin(rot);
  const inBlob = (x: number, y: number, radius: number) => {
    const u = (x * cosR + y * sinR) / stretch,
      v = (-x * sinR + y * cosR) * stretch;
    const t = Math.atan2(v, u);
    let f = 1;
    for (const h of harm) f += h.a * Math.cos(h.k * t + h.phi);
    return u * u + v * v <= (radius * f) ** 2;
  };
  return { inBlob, r0, half, targetCells };
}

export function makeLattice(seed: number, half: number): Lattice {
  const rl = stream(seed, 'lattice');
  const sizes = (extent: number) => {
    const s: number[] = [];
    let sum = 0;
    while (sum < extent) {
      const d = CELL_MIN + (CELL_MAX - CELL_MIN) * rl();
      s.push(d);
      sum += d;
    }
    return s;
  };
  const colW = sizes(2 * half),
    rowH = sizes(2 * half);
  const NC = colW.length,
    NR = rowH.length;
  const colX = new Float64Array(NC + 1),
    rowY = new Float64Array(NR + 1);
  colX[0] = -colW.reduce((a, b) => a + b, 0) / 2;
  for (let i = 0; i < NC; i++) colX[i + 1] = colX[i] + colW[i];
  rowY[0] = rowH.reduce((a, b) => a + b, 0) / 2;
  for (let j = 0; j < NR; j++) rowY[j + 1] = rowY[j] - rowH[j];
  const cellIdx = (i: number, j: number) => j * NC + i;
  return {
    NC,
    NR,
    colW,
    rowH,
    colX,
    rowY,
    cellIdx,
    cellAt: (i, j) => (i >= 0 && j >= 0 && i < NC && j < NR ? cellIdx(i, j) : -1),
    vid: (i, j) => j * (NC + 1) + i,
    cellCx: (i) => (colX[i] + colX[i + 1]) / 2,
    cellCy: (j) => (rowY[j] + rowY[j + 1]) / 2,
  };
}

// --- 3. district mask ---------------------------------------------------------------------------------------
/** The district's cells (1): the blob scaled to about targetCells, its largest 4-connected component, holes filled. */
export function districtMask(lat: Lattice, { inBlob, r0: radius, targetCells }: Outline): Uint8Array {
  const { NC, NR, cellIdx, cellCx, cellCy } = lat;
  let r0 = radius;
  const mask = new Uint8Array(NC * NR);
  const fillMask = (radius: number) => {
    let n = 0;
    for (let j = 0; j < NR; j++)
      for (let i = 0; i < NC; i++) {
        const inside = inBlob(cellCx(i), cellCy(j), radius) ? 1 : 0;
        mask[cellIdx(i, j)] = inside;
        n += inside;
      }
    return n;
  };
  for (let it = 0; it < 3; it++) {
    const n = fillMask(r0);
    if (n === 0) {
      r0 *= 2;
      continue;
    }
    r0 *= Math.sqrt(targetCells / n);
  }
  if (fillMask(r0) === 0) mask[cellIdx(NC >> 1, NR >> 1)] = 1;
  // Largest 4-connected component, then fill enclosed holes.
  const comp = new Int32Array(NC * NR).fill(-1);
  const flood = (start: number, label: number, accept: (c: number) => boolean, target: Int32Array) => {
    const stack = [start];
    target[start] = label;
    let size = 0;
    while (stack.length) {
      const c = stack.pop()!;
      size++;
      const i = c % NC,
        j = (c - i) / NC;
      const nb = [i > 0 ? c - 1 : -1, i < NC - 1 ? c + 1 : -1, j > 0 ? c - NC : -1, j < NR - 1 ? c + NC : -1];
      for (const m of nb)
        if (m >= 0 && target[m] === -1 && accept(m)) {
          target[m] = label;
          stack.push(m);
        }
    }
    return size;
  };
  let bestLabel = -1,
    bestSize = 0,
    label = 0;
  for (let c = 0; c < NC * NR; c++) {
    if (!mask[c] || comp[c] !== -1) continue;
    const size = flood(c, label, (m) => mask[m] === 1, comp);
    if (size > bestSize) {
      bestSize = size;
      bestLabel = label;
    }
    label++;
  }
  for (let c = 0; c < NC * NR; c++) mask[c] = comp[c] === bestLabel ? 1 : 0;
  const outside = new Int32Array(NC * NR).fill(-1);
  for (let c = 0; c < NC * NR; c++) {
    const i = c % NC,
      j = (c - i) / NC;
    if ((i === 0 || j === 0 || i === NC - 1 || j === NR - 1) && !mask[c] && outside[c] === -1)
      flood(c, 1, (m) => mask[m] === 0, outside);
  }
  for (let c = 0; c < NC * NR; c++) if (!mask[c] && outside[c] === -1) mask[c] = 1;
  return mask;
}
