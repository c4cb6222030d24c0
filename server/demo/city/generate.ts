/**
 * Deterministic, seeded generator of a fictional demo city (pure: no database, no I/O).
 *
 * One district 990101 「网格示范区」 (99 is not a GB/T 2260 province), streets (9-digit codes), communities (12) and
 * unit grids (15-digit codes, GB/T 30428.1 / CJ/T 213), plus a road network.
 *
 * How it is built (everything topologically exact), one module per step, each with its own seeded stream:
 *  1. lattice.ts: a lattice of cells with varying column widths / row heights (58–84 m) in a local metric plane
 *     (x east, y north), sized to a noisy outline.
 *  2. roads.ts: arterial roads run along lattice lines every ~300–700 m in both directions; local roads split some
 *     super-blocks (sometimes only half of one, giving T-junctions). Roads are lattice lines, so no grid crosses one.
 *  3. lattice.ts: the district is a noisy blob masking the lattice (largest 4-connected component, holes filled).
 *  4. blocks.ts: vertices get a smooth displacement field (curved roads) plus a small per-vertex jitter off the roads.
 *  5. blocks.ts: blocks = cells between roads.
 *  6. grids.ts: each block is cut into polyominoes (singles, dominoes, I/L-trominoes, 2×2); a few grids are two
 *     cells touching at a corner (MultiPolygon) and a few 2×2 grids become a ring around a park grid (a Polygon with a
 *     hole whose hole is exactly another grid).
 *  7. communities.ts: contiguous groups of blocks form streets; contiguous groups of blocks within a street form
 *     communities (balanced region growing on the block adjacency graph, regions.ts); names from names.ts.
 *  8. geometry.ts: every polygon (grid, community, street, district) is built from directed edges over ONE shared
 *     vertex array (assemble.ts): opposite edges cancel, the rest is chained into rings, rings touching themselves are
 *     split at the repeated vertex, CCW rings are shells and CW rings holes (RFC 7946 orientation). Vertices are
 *     projected once with a fixed local equirectangular transform and rounded to 7 decimals, so shared edges are
 *     bit-identical.
 *  9. roads.ts: the roads as LineStrings.
 */
import { findBlocks, placeVertices } from './blocks.js';
import { groupRegions } from './communities.js';
import { buildGeometry, project } from './geometry.js';
import { cutGrids } from './grids.js';
import { districtMask, makeLattice, outline } from './lattice.js';
import {
  DEFAULT_SEED,
  DEFAULT_TARGET_GRIDS,
  MAX_TARGET_GRIDS,
  type City,
  type CityOptions,
  type CityStats,
} from './params.js';
import { layRoads, roadFeatures } from './roads.js';

export {
  DEFAULT_SEED,
  DEFAULT_TARGET_GRIDS,
  DEMO_CENTER,
  DEMO_DISTRICT_CODE,
  DEMO_DISTRICT_NAME,
  MAX_TARGET_GRIDS,
  type City,
  type CityFeature,
  type CityFeatureProps,
  type CityLevel,
  type CityOptions,
  type CityStats,
  type RoadFeature,
  type RoadProps,
} from './params.js';

export function generateCity(opts: CityOptions = {}): City {
  const seed = opts.seed ?? DEFAULT_SEED;
  const targetGrids = opts.targetGrids ?? DEFAULT_TARGET_GRIDS;
  if (!Number.isInteger(seed)) throw new Error(`demo-city: seed must be an integer, got ${seed}`);
  if (!Number.isFinite(targetGrids) || targetGrids < 1 || targetGrids > MAX_TARGET_GRIDS) {
    throw new Error(`demo-city: targetGrids must be between 1 and ${MAX_TARGET_GRIDS}, got ${targetGrids}`);
  }
  const shape = outline(seed, targetGrids);
  const lattice = makeLattice(seed, shape.half);
  const roads = layRoads(seed, lattice);
  const mask = districtMask(lattice, shape);
  const verts = placeVertices(seed, lattice, roads);
  const blocks = findBlocks(lattice, mask, roads.open);
  const grids = cutGrids(seed, lattice, blocks, roads.open, verts);
  const hierarchy = groupRegions(seed, lattice, mask, blocks, grids);
  const projection = project(verts);
  const geometry = buildGeometry(lattice, verts, projection, grids, hierarchy);
  const road = roadFeatures(seed, lattice, roads, mask, projection.pos);
  const { streets, communities, gridsOfCommunity } = hierarchy;
  const { gridAreas } = geometry;
  const { NC, NR } = lattice;
  const nBlocks = blocks.blockCells.length;
  const NV = verts.xs.length;

  // --- 10. stats -----------------------------------------------------------------------------------------------
  const sortedAreas = [...gridAreas].sort((p, q) => p - q);
  const totalArea = gridAreas.reduce((s, a) => s + a, 0);
  const perCommunity = gridsOfCommunity.map((l) => l.length);
  const perStreet = streets.map((s) => s.communities!.length);
  const summary = (a: number[]) => ({
    min: Math.min(...a),
    mean: Math.round((a.reduce((s, x) => s + x, 0) / a.length) * 10) / 10,
    max: Math.max(...a),
  });
  const stats: CityStats = {
    seed,
    targetGrids,
    districts: 1,
    streets: streets.length,
    communities: communities.length,
    grids: grids.length,
    multiPolygonGrids: geometry.multiGrids,
    holedGrids: geometry.holedGrids,
    parkGrids: geometry.parkGrids,
    roads: { arterial: road.arterial, local: road.local },
    totalAreaM2: Math.round(totalArea),
    gridAreaM2: {
      min: Math.round(sortedAreas[0]),
      median: Math.round(sortedAreas[sortedAreas.length >> 1]),
      mean: Math.round(totalArea / grids.length),
      max: Math.round(sortedAreas[sortedAreas.length - 1]),
    },
    gridsPerCommunity: summary(perCommunity),
    communitiesPerStreet: summary(perStreet),
    lattice: {
      columns: NC,
      rows: NR,
      cells: NC * NR,
      districtCells: mask.reduce((s, m) => s + m, 0),
      blocks: nBlocks,
      vertices: NV,
    },
    bbox: geometry.bbox,
  };
  return {
    features: [geometry.district, ...geometry.streets, ...geometry.communities, ...geometry.grids],
    roads: road.features,
    stats,
  };
}
