/**
 * Step 7 of the demo city: contiguous groups of blocks form streets, contiguous groups of blocks within a street form
 * communities (balanced region growing on the block adjacency graph); codes and names in order north→south, then
 * west→east; unit-grid serials within each community.
 */
import { stream } from '../prng.js';
import type { Blocks } from './blocks.js';
import type { Grid } from './grids.js';
import type { Lattice } from './lattice.js';
import { COMMUNITY_WORDS, namePool, PLACE_WORDS } from './names.js';
import { COMMUNITIES_PER_STREET, DEMO_DISTRICT_CODE, GRIDS_PER_COMMUNITY, MAX_CHILDREN } from './params.js';
import { partitionRegions } from './regions.js';

export interface Region {
  code: string;
  name: string;
  blocks: number[];
  communities?: number[];
}

export interface Hierarchy {
  streets: Region[];
  communities: Region[];
  /** Indexes into grids of each community's grids, by serial. */
  gridsOfCommunity: number[][];
}

// --- 7. streets and communities: contiguous groups of blocks ---------------------------------------------------
/** Groups the blocks into streets and communities; sets each grid's community and serial. */
export function groupRegions(
  seed: number,
  lat: Lattice,
  mask: Uint8Array,
  { blockOf, blockCells }: Blocks,
  grids: Grid[],
): Hierarchy {
  const { NC, NR, cellCx, cellCy } = lat;
  const nBlocks = blockCells.length;
  const bw = new Float64Array(nBlocks),
    bx = new Float64Array(nBlocks),
    by = new Float64Array(nBlocks);
  for (const g of grids) bw[g.block]++;
  for (let b = 0; b < nBlocks; b++) {
    let sx = 0,
      sy = 0;
    for (const c of blockCells[b]) {
      const i = c % NC;
      sx += cellCx(i);
      sy += cellCy((c - i) / NC);
    }
    bx[b] = sx / blockCells[b].length;
    by[b] = sy / blockCells[b].length;
  }
  const adjSets: Set<number>[] = Array.from({ length: nBlocks }, () => new Set<number>());
  for (let c = 0; c < NC * NR; c++) {
    if (!mask[c]) continue;
    const i = c % NC,
      j = (c - i) / NC;
    for (const m of [i < NC - 1 ? c + 1 : -1, j < NR - 1 ? c + NC : -1]) {
      if (m >= 0 && mask[m] && blockOf[m] !== blockOf[c]) {
        adjSets[blockOf[c]].add(blockOf[m]);
        adjSets[blockOf[m]].add(blockOf[c]);
      }
    }
  }
  const adj = adjSets.map((s) => [...s].sort((p, q) => p - q));
  const allBlocks = Array.from({ length: nBlocks }, (_, b) => b);
  const nCommunitiesWanted = Math.max(1, Math.round(grids.length / GRIDS_PER_COMMUNITY));
  const nStreetsWanted = Math.min(MAX_CHILDREN, Math.max(1, Math.round(nCommunitiesWanted / COMMUNITIES_PER_STREET)));
  const streetOf = new Int32Array(nBlocks);
  const nStreets = partitionRegions(allBlocks, nStreetsWanted, adj, bw, bx, by, streetOf);
  // Order regions north→south in bands, west→east within a band.
  const orderRegions = (ids: number[], members: number[][]) => {
    const info = ids.map((id, k) => {
      let sx = 0,
        sy = 0,
        n = 0;
      for (const b of members[k]) {
        sx += bx[b] * bw[b];
        sy += by[b] * bw[b];
        n += bw[b];
      }
      return { id, x: sx / Math.max(n, 1), y: sy / Math.max(n, 1), n };
    });
    let minY = Infinity,
      maxY = -Infinity;
    for (const r of info) {
      minY = Math.min(minY, r.y);
      maxY = Math.max(maxY, r.y);
    }
    const bands = Math.max(1, Math.round(Math.sqrt(ids.length)));
    const bandH = (maxY - minY) / bands || 1;
    const band = (y: number) => Math.min(bands - 1, Math.floor((maxY - y) / bandH));
    return info.sort((p, q) => band(p.y) - band(q.y) || p.x - q.x || p.id - q.id).map((r) => r.id);
  };
  const streetMembers: number[][] = Array.from({ length: nStreets }, () => []);
  for (let b = 0; b < nBlocks; b++) streetMembers[streetOf[b]].push(b);
  const streetOrder = orderRegions(
    streetMembers.map((_, s) => s),
    streetMembers,
  );

  const streets: Region[] = [];
  const communities: Region[] = [];
  const rn = stream(seed, 'names');
  const streetName = namePool(PLACE_WORDS, rn);
  const communityName = namePool(COMMUNITY_WORDS, rn);
  const communityOfBlock = new Int32Array(nBlocks);
  const tmp = new Int32Array(nBlocks);
  streetOrder.forEach((s, sIx) => {
    const blocks = streetMembers[s];
    let weight = 0;
    for (const b of blocks) weight += bw[b];
    const want = Math.min(MAX_CHILDREN, Math.max(1, Math.round(weight / GRIDS_PER_COMMUNITY)));
    const k = partitionRegions(blocks, want, adj, bw, bx, by, tmp);
    const members: number[][] = Array.from({ length: k }, () => []);
    for (const b of blocks) members[tmp[b]].push(b);
    const street: Region = {
      code: DEMO_DISTRICT_CODE + String(sIx + 1).padStart(3, '0'),
      name: streetName(sIx) + '街道',
      blocks,
      communities: [],
    };
    streets.push(street);
    orderRegions(
      members.map((_, c) => c),
      members,
    ).forEach((c, cIx) => {
      const ci = communities.length;
      communities.push({
        code: street.code + String(cIx + 1).padStart(3, '0'),
        name: communityName(ci) + '社区',
        blocks: members[c],
      });
      street.communities!.push(ci);
      for (const b of members[c]) communityOfBlock[b] = ci;
    });
  });

  // Serials: rows north→south, within a row west→east.
  const gridsOfCommunity: number[][] = communities.map(() => []);
  grids.forEach((g, gi) => {
    g.community = communityOfBlock[g.block];
    gridsOfCommunity[g.community].push(gi);
  });
  for (const list of gridsOfCommunity) {
    if (list.length > MAX_CHILDREN) throw new Error(`demo-city: a community got ${list.length} grids (internal error)`);
    list.sort((p, q) => grids[p].row - grids[q].row || grids[p].col - grids[q].col);
    list.forEach((gi, k) => {
      grids[gi].serial = k + 1;
    });
  }
  return { streets, communities, gridsOfCommunity };
}
