/** The byte-bounded LRU behind the tile cache. */
import { expect } from 'chai';
import { ByteLru, ENTRY_OVERHEAD } from '../../server/tiles/cache.js';

const buf = (n: number) => Buffer.alloc(n);

describe('tile cache (ByteLru)', () => {
  const lru = (budget: number) =>
    new ByteLru<{ data: Buffer; extra?: Buffer }>(budget, (v) => v.data.length + (v.extra?.length ?? 0));

  it('evicts the least recently used entries once the byte budget is exceeded', () => {
    const c = lru(4 * (1000 + ENTRY_OVERHEAD));
    for (const k of ['a', 'b', 'c', 'd']) c.set(k, { data: buf(1000) });
    expect(c.size).to.equal(4);
    expect(c.get('a')).to.not.equal(undefined); // a is now the most recent
    c.set('e', { data: buf(1000) });
    expect(c.keys()).to.deep.equal(['c', 'd', 'a', 'e']);
    expect(c.bytes).to.equal(4 * (1000 + ENTRY_OVERHEAD));
    expect([c.hits, c.misses]).to.deep.equal([1, 0]);
    expect(c.get('b')).to.equal(undefined);
    expect(c.misses).to.equal(1);
  });

  it('counts empty entries too, skips entries above a quarter of the budget, and 0 disables it', () => {
    const c = lru(10_000);
    c.set('empty', { data: buf(0) });
    expect(c.bytes).to.equal(ENTRY_OVERHEAD);
    c.set('big', { data: buf(2_600) });
    expect(c.get('big')).to.equal(undefined);
    const off = lru(0);
    off.set('x', { data: buf(0) });
    expect(off.size).to.equal(0);
  });

  it('re-measures an entry that grew (a gzip representation added) and replaces on set', () => {
    const c = lru(100_000);
    const v: { data: Buffer; extra?: Buffer } = { data: buf(1000) };
    c.set('t', v);
    v.extra = buf(500);
    c.resize('t');
    expect(c.bytes).to.equal(1500 + ENTRY_OVERHEAD);
    c.set('t', { data: buf(10) });
    expect(c.bytes).to.equal(10 + ENTRY_OVERHEAD);
    expect(c.size).to.equal(1);
  });

  it('drops the entries matching a predicate (an old layer version)', () => {
    const c = lru(100_000);
    for (const k of ['grids/2/16/1/1', 'grids/3/16/1/1', 'streets/2/8/1/1']) c.set(k, { data: buf(10) });
    expect(c.deleteWhere((k) => k.startsWith('grids/') && !k.startsWith('grids/3/'))).to.equal(1);
    expect(c.keys()).to.deep.equal(['grids/3/16/1/1', 'streets/2/8/1/1']);
    expect(c.bytes).to.equal(2 * (10 + ENTRY_OVERHEAD));
  });
});

describe('ownBytes', () => {
  it('copies a pooled or sliced buffer into one of its own, and leaves an exact one alone', async () => {
    const { ownBytes } = await import('../../server/tiles/service.js');
    const pooled = Buffer.from('abc');
    expect(pooled.buffer.byteLength).to.be.greaterThan(3); // Node's 8 KB pool
    const own = ownBytes(pooled);
    expect(own.equals(pooled)).to.equal(true);
    expect(own.buffer.byteLength).to.equal(3);
    expect(ownBytes(own)).to.equal(own);
    const slice = Buffer.alloc(100).subarray(10, 20);
    expect(ownBytes(slice).buffer.byteLength).to.equal(10);
  });
});
