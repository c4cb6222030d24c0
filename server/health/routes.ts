/** GET /api/health: database reachable, PostGIS version, driver in use. */
import { sql } from 'kysely';
import type { Database } from '../db/open.js';
import type { Api } from '../http/api.js';

export function healthRoutes(api: Api, database: Database, version: string): void {
  api.route({
    method: 'get', path: '/api/health', tag: 'system', summary: 'Database reachable, PostGIS version, driver in use',
  }, async (ctx) => {
    const started = Date.now();
    try {
      const r = await sql<{ postgis: string; postgres: string }>`
        select postgis_lib_version() as postgis, current_setting('server_version') as postgres`.execute(database.db);
      ctx.body = {
        status: 'ok', version, driver: database.driver,
        database: { reachable: true, postgres: r.rows[0].postgres, postgis: r.rows[0].postgis, latency_ms: Date.now() - started },
      };
    } catch (e) {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', version, driver: database.driver, database: { reachable: false, error: (e as Error).message } };
    }
  });
}
