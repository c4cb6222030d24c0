/**
 * Neighbour lists of every live unit of a level, computed set-based in SQL (queries.ts neighbourPairs) and kept in a
 * small least-recently-used cache keyed by (level, layer version, weights). Every write to grids or regions bumps the
 * layer version in its transaction, so an edited city never meets stale lists; the lists are read in the same
 * repeatable-read transaction as the version.
 *
 * Size: a unit grid has ~8 queen neighbours, so 100k grids give ~400k pairs → 800k Int32 entries ≈ 3.2 MB, plus the
 * codes and names (~10 MB). Distance weights grow with the square of the distance; a list of more than MAX_PAIRS
 * pairs is refused (400) and the cache holds at most CACHE_ENTRIES lists and CACHE_BUDGET_ENTRIES list entries.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { neighboursFromPairs, restrictNeighbours, type Neighbours } from './gistar.js';
import { layerVersion, liveUnits, neighbourPairs, type Level, type Weights } from './queries.js';

/** Most lists kept, and most list entries (4 bytes each) kept over all of them. */
export const CACHE_ENTRIES = 8;
export const CACHE_BUDGET_ENTRIES = 24_000_000;

/** Every live unit of a level with its neighbour lists. */
export interface UnitLists {
  codes: string[];
  names: string[];
  index: Map<string, number>;
  nb: Neighbours;
}

/** The units whose code starts with a scope: a contiguous run of the sorted codes, and their lists among themselves. */
export interface ScopedUnits {
  codes: string[];
  names: string[];
  index: Map<string, number>;
  nb: Neighbours;
}

interface Cache {
  lists: Map<string, Promise<UnitLists>>;
  sizes: Map<string, number>;
}

/** One cache per database (a process may open several: the tests do, all from one snapshot with equal versions). */
const caches = new WeakMap<object, Cache>();

function cacheOf(database: object): Cache {
  let c = caches.get(database);
  if (!c) caches.set(database, (c = { lists: new Map(), sizes: new Map() }));
  return c;
}

function remember({ lists: cache, sizes }: Cache, key: string, lists: Promise<UnitLists>): void {
  cache.set(key, lists);
  lists.then(
    (l) => {
      if (cache.get(key) !== lists) return;
      sizes.set(key, l.nb.targets.length + l.codes.length * 8);
      let total = [...sizes.values()].reduce((a, b) => a + b, 0);
      for (const old of cache.keys()) {
        if (cache.size <= CACHE_ENTRIES && total <= CACHE_BUDGET_ENTRIES) break;
        if (old === key) continue;
        total -= sizes.get(old) ?? 0;
        cache.delete(old);
        sizes.delete(old);
      }
    },
    () => {
      if (cache.get(key) === lists) cache.delete(key);
    },
  );
}

/** Empties the cache of a database (benchmarks: to time the lists' computation). */
export function clearNeighbourCache(database: object): void {
  caches.delete(database);
}

const weightsKey = (w: Weights) => (w.kind === 'contiguity' ? 'contiguity' : `distance:${w.distanceM}`);

/**
 * The live units of the level and their neighbour lists under the weights, from the cache of `database` when the
 * layer version is unchanged. `db` runs the queries: a repeatable-read transaction of `database`, so that the version,
 * the units and the counts agree.
 */
export async function unitLists(database: object, db: Kysely<DB>, level: Level, w: Weights): Promise<UnitLists> {
  const c = cacheOf(database);
  const version = await layerVersion(db, level);
  const key = `${level}:${version}:${weightsKey(w)}`;
  const hit = c.lists.get(key);
  if (hit) {
    c.lists.delete(key); // most recently used last
    c.lists.set(key, hit);
    return hit;
  }
  const lists = (async () => {
    const units = await liveUnits(db, level);
    const pairs = await neighbourPairs(db, level, w);
    return {
      codes: units.map((u) => u.code),
      names: units.map((u) => u.name),
      index: new Map(units.map((u, i) => [u.code, i])),
      nb: neighboursFromPairs(units.length, pairs.a, pairs.b),
    };
  })();
  remember(c, key, lists);
  return lists;
}

/** The units in a scope (a code prefix; '' = all) and their neighbour lists restricted to the scope. */
export function inScope(all: UnitLists, scope: string): ScopedUnits {
  if (!scope) return all;
  let lo = 0;
  while (lo < all.codes.length && all.codes[lo] < scope) lo++;
  let hi = lo;
  while (hi < all.codes.length && all.codes[hi].startsWith(scope)) hi++;
  const keep = new Int32Array(all.codes.length).fill(-1);
  for (let i = lo; i < hi; i++) keep[i] = i - lo;
  const codes = all.codes.slice(lo, hi);
  return {
    codes,
    names: all.names.slice(lo, hi),
    index: new Map(codes.map((c, i) => [c, i])),
    nb: restrictNeighbours(all.nb, keep, hi - lo),
  };
}
