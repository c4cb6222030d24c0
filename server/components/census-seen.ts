/**
 * What the reading pass remembers of the rows before, in fixed memory whatever the file's size: two Bloom filters of
 * 2^27 bits (16 MB) each, with two bits per key — one of the codes given so far, one of the 1 m cells of the points
 * so far (per class). A row whose code may have been given before is flagged `twin`; a point with a point of its
 * class possibly in its own or a neighbouring cell is flagged `near`. The flags can be false alarms (a few in ten
 * thousand at a million rows) but never miss: the exact checks (census-checks.ts) then look only at the flagged rows.
 */

const BITS = 27;
const WORDS = 1 << (BITS - 5);
const SHIFT = 32 - BITS;
/** Metres per degree of latitude (and of longitude at the equator), as the duplicate check measures. */
export const METRES_PER_DEGREE = 111_320;
/** The filter's cells (m): larger than the 0.5 m tolerance, so a pair within it is always in neighbouring cells. */
const CELL_M = 1;

const fmix = (h: number) => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
};

class Bloom {
  private readonly words = new Int32Array(WORDS);

  has(h1: number, h2: number): boolean {
    const a = h1 >>> SHIFT;
    const b = h2 >>> SHIFT;
    return (this.words[a >>> 5] & (1 << (a & 31))) !== 0 && (this.words[b >>> 5] & (1 << (b & 31))) !== 0;
  }

  add(h1: number, h2: number): void {
    const a = h1 >>> SHIFT;
    const b = h2 >>> SHIFT;
    this.words[a >>> 5] |= 1 << (a & 31);
    this.words[b >>> 5] |= 1 << (b & 31);
  }
}

export class SeenFilter {
  private readonly codes = new Bloom();
  private readonly cells = new Int32Array(WORDS);
  private kx = 0;
  /** The latitude the duplicate check measures longitudes at (the first point's); undefined before a point. */
  lat0: number | undefined;

  /** Was this code (maybe) given before? Remembers it. */
  twin(code: string): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < code.length; i++) {
      const c = code.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h1 = fmix(h1);
    h2 = fmix(h2 ^ code.length);
    const seen = this.codes.has(h1, h2);
    this.codes.add(h1, h2);
    return seen;
  }

  /** Is there (maybe) a point of this class within a cell of this one before it? Remembers it. */
  near(cls: string, lon: number, lat: number): boolean {
    if (this.lat0 === undefined) {
      this.lat0 = lat;
      this.kx = METRES_PER_DEGREE * Math.cos((lat * Math.PI) / 180);
    }
    const c = Math.imul(Number(cls) | 0, 0x27d4eb2d);
    const cx = Math.floor((lon * this.kx) / CELL_M) | 0;
    const cy = Math.floor((lat * METRES_PER_DEGREE) / CELL_M) | 0;
    const words = this.cells;
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++) {
        const x = cx + dx;
        const y = cy + dy;
        const base = blockOf(c, x, y);
        const h = cellHash(c, x, y);
        const a = h & 511;
        const b = (h >>> 9) & 511;
        if ((words[base + (a >>> 5)] & (1 << (a & 31))) !== 0 && (words[base + (b >>> 5)] & (1 << (b & 31))) !== 0) {
          this.remember(c, cx, cy);
          return true;
        }
      }
    this.remember(c, cx, cy);
    return false;
  }

  private remember(c: number, x: number, y: number): void {
    const base = blockOf(c, x, y);
    const h = cellHash(c, x, y);
    const a = h & 511;
    const b = (h >>> 9) & 511;
    this.cells[base + (a >>> 5)] |= 1 << (a & 31);
    this.cells[base + (b >>> 5)] |= 1 << (b & 31);
  }
}

/**
 * The position filter is blocked: the cells of an 8 × 8 m square (of one class) share a block of 512 bits (one
 * cache line), so that the nine cells around a point are looked up in one to four lines rather than eighteen.
 */
const BLOCK_WORDS = 16;
const BLOCKS = WORDS / BLOCK_WORDS;
const blockOf = (c: number, x: number, y: number) =>
  ((fmix(c ^ Math.imul(x >> 3, 0x165667b1) ^ Math.imul(y >> 3, 0x9e3779b1)) >>> 0) % BLOCKS) * BLOCK_WORDS;
const cellHash = (c: number, x: number, y: number) => fmix(Math.imul(c ^ x, 0x85ebca77) ^ Math.imul(y, 0xc2b2ae3d));
