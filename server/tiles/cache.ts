/** A least-recently-used cache bounded by the bytes of its values (a Map keeps insertion order: oldest first). */

/** Bookkeeping bytes counted per entry on top of its payload (key, object, Map slot), so empty tiles count too. */
export const ENTRY_OVERHEAD = 128;

export class ByteLru<V> {
  private map = new Map<string, { value: V; bytes: number }>();
  private used = 0;
  hits = 0;
  misses = 0;

  /** @param budget total bytes; an entry larger than a quarter of it is not kept (it would flush everything). */
  constructor(
    readonly budget: number,
    private sizeOf: (v: V) => number,
  ) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, e); // most recently used goes last
    return e.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const bytes = this.sizeOf(value) + ENTRY_OVERHEAD;
    if (bytes > this.budget / 4) return;
    this.map.set(key, { value, bytes });
    this.used += bytes;
    for (const [k, e] of this.map) {
      if (this.used <= this.budget) break;
      this.map.delete(k);
      this.used -= e.bytes;
    }
  }

  /** Re-measure an entry whose value grew in place (e.g. a gzip representation added). */
  resize(key: string): void {
    const e = this.map.get(key);
    if (e) this.set(key, e.value);
  }

  delete(key: string): boolean {
    const e = this.map.get(key);
    if (!e) return false;
    this.map.delete(key);
    this.used -= e.bytes;
    return true;
  }

  /** Drop every entry whose key matches (used when a layer's version changes). */
  deleteWhere(pred: (key: string) => boolean): number {
    let n = 0;
    for (const k of [...this.map.keys()]) if (pred(k) && this.delete(k)) n++;
    return n;
  }

  clear(): void {
    this.map.clear();
    this.used = 0;
  }

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.used;
  }

  keys(): string[] {
    return [...this.map.keys()];
  }
}
