/** Seeded random numbers for the demo generators: mulberry32, with an independent stream per purpose. */
export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream per phase, so that changing one phase does not reshuffle the others. */
export function stream(seed: number, tag: string): Rng {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < tag.length; i++) h = Math.imul(h ^ tag.charCodeAt(i), 0x01000193) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return mulberry32(h);
}

// Draws from a stream
export const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
export const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)];
export function gauss(rng: Rng): number {
  const u = Math.max(rng(), 1e-12),
    v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
/** A positive skewed value with the given median (log-normal, sigma in log units). */
export const logNormal = (rng: Rng, median: number, sigma: number) => median * Math.exp(sigma * gauss(rng));

/** Weighted choice from cumulative weights. */
export class Choice<T> {
  private readonly cum: number[] = [];
  private readonly total: number;
  constructor(
    readonly items: T[],
    weights: number[],
  ) {
    let s = 0;
    for (const w of weights) this.cum.push((s += Math.max(0, w)));
    this.total = s;
  }
  get empty(): boolean {
    return this.total <= 0;
  }
  draw(rng: Rng): T {
    const x = rng() * this.total;
    let lo = 0,
      hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo];
  }
}
