/** GET /api/health: database reachable, PostGIS version, driver in use — answered within about a second. */
import { sql } from 'kysely';
import type { Database } from '../db/open.js';
import { withTimeout } from '../db/faults.js';
import type { Api } from '../http/api.js';

/** How long /api/health waits for the database before it answers "degraded". */
export const HEALTH_TIMEOUT_MS = 1000;

export function healthRoutes(api: Api, database: Database, version: string): void {
  api.route(
    {
      method: 'get',
      path: '/api/health',
      tag: 'system',
      summary: 'Database reachable, PostGIS version, driver in use',
    },
    async (ctx) => {
      const started = Date.now();
      try {
        const r = await withTimeout(
          sql<{ postgis: string; postgres: string }>`
        select postgis_lib_version() as postgis, current_setting('server_version') as postgres`.execute(database.db),
          HEALTH_TIMEOUT_MS,
        );
        ctx.body = {
          status: 'ok',
          version,
          driver: database.driver,
          database: {
            reachable: true,
            postgres: r.rows[0].postgres,
            postgis: r.rows[0].postgis,
            latency_ms: Date.now() - started,
          },
        };
      } catch (e) {
        ctx.status = 503;
        ctx.set('Retry-After', '5');
        ctx.body = {
          status: 'degraded',
          version,
          driver: database.driver,
          database: { reachable: false, error: (e as Error).message, latency_ms: Date.now() - started },
        };
      }
    },
  );
}
