/**
 * Steps 2 and 9 of the demo city: roads. Arterial roads run along lattice lines every ~300–700 m in both directions;
 * local roads split some super-blocks (sometimes only half of one, giving T-junctions). Roads are lattice lines, so
 * no grid crosses one. At the end the roads become LineStrings over the district.
 */
import type { Position } from 'geojson';
import { stream } from '../prng.js';
import type { Lattice } from './lattice.js';
import { COMMUNITY_WORDS, namePool, PLACE_WORDS } from './names.js';
import { ARTERIAL_MAX, ARTERIAL_MIN, type RoadFeature } from './params.js';

interface RoadDef {
  orient: 'v' | 'h';
  line: number;
  from: number;
  to: number;
  kind: 'arterial' | 'local';
}

export interface Roads {
  /** Barrier edges. vBar[j*(NC+1)+c]: edge on column line c in row j; hBar[r*NC+i]: row line r, column i. */
  vBar: Uint8Array;
  hBar: Uint8Array;
  defs: RoadDef[];
  /** a, b 4-adjacent cells; true when no road between them. */
  open: (a: number, b: number) => boolean;
}

// --- 2. roads: barrier edges -----------------------------------------------------------------------------------
export function layRoads(seed: number, lat: Lattice): Roads {
  const { NC, NR, colW, rowH } = lat;
  const vBar = new Uint8Array((NC + 1) * NR);
  const hBar = new Uint8Array(NC * (NR + 1));
  const roadDefs: RoadDef[] = [];
  const rr = stream(seed, 'roads');
  const arterialLines = (widths: number[]) => {
    const lines = [0];
    let acc = 0,
      gap = ARTERIAL_MIN + (ARTERIAL_MAX - ARTERIAL_MIN) * rr();
    for (let c = 1; c < widths.length; c++) {
      acc += widths[c - 1];
      if (acc >= gap && widths.length - c >= 3) {
        lines.push(c);
        acc = 0;
        gap = ARTERIAL_MIN + (ARTERIAL_MAX - ARTERIAL_MIN) * rr();
      }
    }
    lines.push(widths.length);
    return lines;
  };
  const artC = arterialLines(colW),
    artR = arterialLines(rowH);
  const markV = (c: number, r0: number, r1: number, kind: RoadDef['kind']) => {
    for (let j = r0; j < r1; j++) vBar[j * (NC + 1) + c] = 1;
    roadDefs.push({ orient: 'v', line: c, from: r0, to: r1, kind });
  };
  const markH = (r: number, c0: number, c1: number, kind: RoadDef['kind']) => {
    for (let i = c0; i < c1; i++) hBar[r * NC + i] = 1;
    roadDefs.push({ orient: 'h', line: r, from: c0, to: c1, kind });
  };
  /** A local road: vertical on column line `line` or horizontal on row line `line`, from cell `from` to `to`. */
  const mark = (vertical: boolean, line: number, from: number, to: number) =>
    vertical ? markV(line, from, to, 'local') : markH(line, from, to, 'local');
  for (let a = 1; a < artC.length - 1; a++) markV(artC[a], 0, NR, 'arterial');
  for (let a = 1; a < artR.length - 1; a++) markH(artR[a], 0, NC, 'arterial');
  const span = (w: number[], a: number, b: number) => {
    let s = 0;
    for (let i = a; i < b; i++) s += w[i];
    return s;
  };
  const pick = (a: number, b: number) => a + 2 + Math.floor(rr() * (b - a - 3)); // a line strictly inside, ≥2 cells each side
  for (let bj = 0; bj + 1 < artR.length; bj++) {
    for (let bi = 0; bi + 1 < artC.length; bi++) {
      const c0 = artC[bi],
        c1 = artC[bi + 1],
        r0 = artR[bj],
        r1 = artR[bj + 1];
      if (rr() > 0.55) continue;
      const wide = span(colW, c0, c1),
        tall = span(rowH, r0, r1);
      const canV = c1 - c0 >= 4,
        canH = r1 - r0 >= 4;
      const vertical = canV && (!canH || wide > tall * 1.25 || (tall <= wide * 1.25 && rr() < 0.5));
      if (!vertical && !canH) continue;
      // One local road through the block on line `at` (a column line when vertical, else a row line) from b0 to b1;
      // sometimes a T-junction road across one half only.
      const [a0, a1, b0, b1, canCross] = vertical ? [c0, c1, r0, r1, canH] : [r0, r1, c0, c1, canV];
      const at = pick(a0, a1);
      mark(vertical, at, b0, b1);
      if (canCross && rr() < 0.35) {
        const cross = pick(b0, b1);
        if (rr() < 0.5) {
          if (at - a0 >= 2) mark(!vertical, cross, a0, at);
        } else if (a1 - at >= 2) mark(!vertical, cross, at, a1);
      }
    }
  }
  const open = (a: number, b: number) => {
    const ai = a % NC,
      aj = (a - ai) / NC,
      bi = b % NC,
      bj = (b - bi) / NC;
    if (aj === bj) return !vBar[aj * (NC + 1) + Math.max(ai, bi)];
    return !hBar[Math.max(aj, bj) * NC + ai];
  };
  return { vBar, hBar, defs: roadDefs, open };
}

// --- 9. roads as LineStrings -----------------------------------------------------------------------------------
/** The roads' runs over the district (a road leaving the district and coming back is two LineStrings), named. */
export function roadFeatures(
  seed: number,
  lat: Lattice,
  roads: Roads,
  mask: Uint8Array,
  pos: (v: number) => Position,
): { features: RoadFeature[]; arterial: number; local: number } {
  const { vid, cellAt } = lat;
  const features: RoadFeature[] = [];
  const rq = stream(seed, 'road-names');
  const arterialName = namePool(PLACE_WORDS, rq);
  const localName = namePool(COMMUNITY_WORDS, rq);
  let nArterial = 0,
    nLocal = 0,
    artIx = 0,
    locIx = 0;
  for (const def of roads.defs) {
    const name =
      def.kind === 'arterial'
        ? arterialName(artIx++) + (def.orient === 'v' ? '路' : '大道')
        : localName(locIx++) + (def.orient === 'v' ? '巷' : '街');
    let run: number[] = [];
    const flush = () => {
      if (run.length >= 2) {
        features.push({
          type: 'Feature',
          properties: { name, kind: def.kind },
          geometry: { type: 'LineString', coordinates: run.map(pos) },
        });
        if (def.kind === 'arterial') nArterial++;
        else nLocal++;
      }
      run = [];
    };
    for (let t = def.from; t < def.to; t++) {
      // Edge t along the line, and the two cells beside it.
      const [a, b, c1, c2] =
        def.orient === 'v'
          ? [vid(def.line, t), vid(def.line, t + 1), cellAt(def.line - 1, t), cellAt(def.line, t)]
          : [vid(t, def.line), vid(t + 1, def.line), cellAt(t, def.line - 1), cellAt(t, def.line)];
      if ((c1 >= 0 && mask[c1]) || (c2 >= 0 && mask[c2])) {
        if (!run.length) run.push(a);
        run.push(b);
      } else flush();
    }
    flush();
  }
  return { features, arterial: nArterial, local: nLocal };
}
