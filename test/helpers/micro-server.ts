/**
 * Mocha hooks that open a test database, import the micro-city and start the app on it for one describe block;
 * optionally with the micro-city's census components (micro-components.ts) and gazetteer (micro-gazetteer.ts).
 */
import type { Database } from '../../server/db/index.js';
import { importAddresses } from '../../server/addresses/import.js';
import { openCensusFile } from '../../server/components/readers.js';
import { importRegions } from '../../server/importexport/import.js';
import { microCity } from '../fixtures/micro-city.js';
import { insertComponents } from '../fixtures/micro-components.js';
import { GAZETTEER } from '../fixtures/micro-gazetteer.js';
import { openTestDatabase } from './db.js';
import { startTestServer, type TestServer } from './server.js';

export interface MicroCityOptions {
  /** Also store the five census components of micro-components.ts. */
  components?: boolean;
  /** Also import the gazetteer of micro-gazetteer.ts (roads, doorplates, the landmark) through the importer. */
  gazetteer?: boolean;
}

/** Imports the micro-city's gazetteer through the address importer, as an uploaded GeoJSON file would be. */
export async function importMicroGazetteer(database: Database): Promise<void> {
  const file = await openCensusFile(
    { bytes: new TextEncoder().encode(JSON.stringify(GAZETTEER)) },
    { name: 'g.geojson' },
  );
  await importAddresses(database, file, { actor: { id: null, name: 'test' } });
}

export function useMicroCityServer(opts: MicroCityOptions = {}): { database: Database; server: TestServer } {
  const env = {} as { database: Database; server: TestServer };
  before(async () => {
    env.database = await openTestDatabase();
    await importRegions(env.database, microCity(), { actor: { id: null, name: 'test' } });
    if (opts.components) await insertComponents(env.database);
    if (opts.gazetteer) await importMicroGazetteer(env.database);
    env.server = await startTestServer(env.database);
  });
  after(async () => {
    await env.server?.close();
    await env.database?.close();
  });
  return env;
}
