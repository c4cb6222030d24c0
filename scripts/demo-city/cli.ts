/**
 * Writes the generated demo city as a GeoJSON FeatureCollection and prints its stats.
 *
 *   npx tsx scripts/demo-city/cli.ts [--seed N] [--scale N(grids)] [--out file.geojson] [--roads]
 *
 * Without --out the stats are printed only. --roads appends the road LineStrings (kind 'arterial'|'local') to the
 * collection; they are not regions, so leave them out of files meant for import.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_SEED, DEFAULT_TARGET_GRIDS, generateCity } from '../../server/demo/city/generate.js';

const USAGE = 'usage: tsx scripts/demo-city/cli.ts [--seed N] [--scale N(grids)] [--out file.geojson] [--roads]';

export interface CliArgs {
  seed: number;
  scale: number;
  out?: string;
  roads: boolean;
}

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { seed: DEFAULT_SEED, scale: DEFAULT_TARGET_GRIDS, roads: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    const int = (v: string) => {
      if (!/^-?\d+$/.test(v)) throw new Error(`${flag} must be an integer, got "${v}"\n${USAGE}`);
      return Number(v);
    };
    switch (flag) {
      case '--seed':
        args.seed = int(value());
        break;
      case '--scale':
      case '--grids':
        args.scale = int(value());
        break;
      case '--out':
        args.out = value();
        break;
      case '--roads':
        args.roads = true;
        break;
      case '-h':
      case '--help':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument "${a}"\n${USAGE}`);
    }
  }
  return args;
}

export function main(argv: string[]): void {
  const args = parseArgs(argv);
  const t0 = performance.now();
  const city = generateCity({ seed: args.seed, targetGrids: args.scale });
  const ms = performance.now() - t0;
  if (args.out) {
    const features: unknown[] = args.roads ? [...city.features, ...city.roads] : city.features;
    fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
    // Written feature by feature: a 100,000-grid city is too big for one JSON.stringify string comfortably.
    const fd = fs.openSync(args.out, 'w');
    try {
      fs.writeSync(fd, '{"type":"FeatureCollection","features":[\n');
      let buf = '';
      features.forEach((f, k) => {
        buf += (k ? ',\n' : '') + JSON.stringify(f);
        if (buf.length > 1 << 20) {
          fs.writeSync(fd, buf);
          buf = '';
        }
      });
      fs.writeSync(fd, buf + '\n]}\n');
    } finally {
      fs.closeSync(fd);
    }
  }
  const s = city.stats;
  const km2 = (s.totalAreaM2 / 1e6).toFixed(2);
  console.log(`demo city (seed ${s.seed}, target ${s.targetGrids} grids) generated in ${(ms / 1000).toFixed(2)} s`);
  console.log(`  1 district, ${s.streets} streets, ${s.communities} communities, ${s.grids} unit grids, ${km2} km²`);
  console.log(
    `  grid area m²: min ${s.gridAreaM2.min}, median ${s.gridAreaM2.median}, mean ${s.gridAreaM2.mean}, max ${s.gridAreaM2.max}`,
  );
  console.log(
    `  grids per community: ${s.gridsPerCommunity.min}–${s.gridsPerCommunity.max} (mean ${s.gridsPerCommunity.mean}); ` +
      `communities per street: ${s.communitiesPerStreet.min}–${s.communitiesPerStreet.max}`,
  );
  console.log(
    `  ${s.multiPolygonGrids} MultiPolygon grids, ${s.holedGrids} grids with a hole (${s.parkGrids} park grids)`,
  );
  console.log(`  roads: ${s.roads.arterial} arterial and ${s.roads.local} local line strings`);
  console.log(`  bbox: ${s.bbox.join(', ')}`);
  if (args.out) console.log(`  wrote ${args.out}${args.roads ? ' (with roads)' : ''}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}
