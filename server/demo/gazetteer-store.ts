/**
 * Loads the demo gazetteer through the gazetteer import itself (server/addresses/import.ts): the plan becomes a
 * GeoJSON file with the columns the import accepts (kind, name, road, number, building, alias, former, category),
 * so the demo's roads, doorplates and landmarks are checked, placed (measure, side), given their regions (grid,
 * community, street, district) and published exactly as an imported file would be — one write path, with its audit
 * row and the 'addresses' tile-layer bump.
 */
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { sql } from 'kysely';
import { importAddresses, type AddressSummary } from '../addresses/import.js';
import { openCensusFile } from '../components/readers.js';
import type { Database } from '../db/open.js';
import type { RoadFeature } from './city/params.js';
import type { City } from './dispatch/city.js';
import type { GazetteerPlan } from './gazetteer-params.js';
import { planGazetteer } from './gazetteer.js';

export const DEMO_GAZETTEER_FILE = 'demo-gazetteer.geojson';

/** The plan as an import file (GeoJSON FeatureCollection): roads, then doorplates, then landmarks. */
export function gazetteerFile(plan: GazetteerPlan): { type: 'FeatureCollection'; features: Feature[] } {
  const features: Feature[] = [];
  for (const r of plan.roads)
    features.push({
      type: 'Feature',
      properties: {
        kind: 'road',
        name: r.name,
        alias: r.aliases.join(';') || null,
        former: r.former.map((f) => (f.until ? `${f.name}@${f.until}` : f.name)).join(';') || null,
      },
      geometry: r.geometry,
    });
  for (const d of plan.doorplates)
    features.push({
      type: 'Feature',
      properties: { kind: 'doorplate', road: d.road, number: String(d.number), building: d.building || null },
      geometry: { type: 'Point', coordinates: [d.lon, d.lat] },
    });
  for (const l of plan.landmarks)
    features.push({
      type: 'Feature',
      properties: { kind: 'landmark', name: l.name, alias: l.aliases.join(';') || null, category: l.category },
      geometry: l.geometry,
    });
  return { type: 'FeatureCollection', features };
}

export interface DemoGazetteerInput {
  city: City;
  roads: RoadFeature[];
  /** The demo park's grids and name (its polygon is their union, as the park rule's). */
  park: { name: string; codes: string[] };
  hotspots: { name: string; lon: number; lat: number }[];
  seed: number;
}

export async function loadDemoGazetteer(
  database: Database,
  input: DemoGazetteerInput,
): Promise<{ plan: GazetteerPlan; summary: AddressSummary }> {
  const parkGeom = (
    await sql<{ g: string | null }>`select ST_AsGeoJSON(ST_Union(geom), 7) as g from unit_grid
      where termination_date is null and code = any(${input.park.codes}::text[])`.execute(database.db)
  ).rows[0]?.g;
  const plan = planGazetteer({
    city: input.city,
    roads: input.roads,
    park: parkGeom ? { name: input.park.name, geometry: JSON.parse(parkGeom) as Polygon | MultiPolygon } : undefined,
    hotspots: input.hotspots,
    seed: input.seed,
  });
  const bytes = new TextEncoder().encode(JSON.stringify(gazetteerFile(plan)));
  const file = await openCensusFile({ bytes }, { name: DEMO_GAZETTEER_FILE });
  const summary = await importAddresses(database, file, {
    actor: { id: null, name: 'demo-city' },
    fileName: DEMO_GAZETTEER_FILE,
  });
  return { plan, summary };
}
