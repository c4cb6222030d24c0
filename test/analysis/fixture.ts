/**
 * The micro-city's lattice as the analysis tests use it: `cell(c, r)` is the centre of the 0.001° cell in column c, row r
 * (from 100° E, 20° N); CODES are the thirteen unit grids in code order (units 0…12 of the hand computations).
 */
import { at, intake, type World } from '../cases/fixture.js';

export const cell = (c: number, r: number) => ({ lon: 100 + (c + 0.5) * 0.001, lat: 20 + (r + 0.5) * 0.001 });
export const G = (suffix: string) => `990001${suffix}`;
export const CODES = [
  '001001001',
  '001001002',
  '001001003',
  '001001004',
  '001001005',
  '001001006',
  '001002001',
  '001002002',
  '001002003',
  '002001001',
  '002001002',
  '002002001',
  '002002002',
].map(G);

/**
 * The emerging-hot-spot log (computed by hand in emerging-http.test.ts): one matter:06010 case a month from April to
 * December 2025 in grid 12 (cell (6,1)), then January 2026: x = 3 2 2 4 1 1 0 … over the grids in code order
 * (cells (0,2) (1,2) (0,1) (1,1) (0,0) (1,0)).
 */
export async function reportEmergingLog(w: World): Promise<void> {
  for (let m = 4; m <= 12; m++) {
    await intake(w, { location: cell(6, 1) }, at(`2025-${String(m).padStart(2, '0')}-15T10:00:00`));
  }
  const cells: [number, number, number][] = [
    [0, 2, 3],
    [1, 2, 2],
    [0, 1, 2],
    [1, 1, 4],
    [0, 0, 1],
    [1, 0, 1],
  ];
  for (const [c, r, n] of cells) {
    for (let k = 0; k < n; k++) await intake(w, { location: cell(c, r) }, at('2026-01-10T09:00:00'));
  }
}
