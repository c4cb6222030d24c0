/** Mocha hooks that open a test database, import the micro-city and start the app on it for one describe block. */
import type { Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { microCity } from '../fixtures/micro-city.js';
import { openTestDatabase } from './db.js';
import { startTestServer, type TestServer } from './server.js';

export function useMicroCityServer(): { database: Database; server: TestServer } {
  const env = {} as { database: Database; server: TestServer };
  before(async () => {
    env.database = await openTestDatabase();
    await importRegions(env.database, microCity(), { actor: { id: null, name: 'test' } });
    env.server = await startTestServer(env.database);
  });
  after(async () => {
    await env.server?.close();
    await env.database?.close();
  });
  return env;
}
