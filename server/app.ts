/** Builds the Koa app from the capability routers. No business logic here. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import serve from 'koa-static';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/open.js';
import { Api } from './http/api.js';
import { openApiDocument } from './http/openapi.js';
import { compressMiddleware } from './http/compress.js';
import { problemMiddleware } from './http/problem.js';
import { gridRoutes } from './grids/routes.js';
import { gridEditRoutes } from './gridedit/routes.js';
import { healthRoutes } from './health/routes.js';
import { tileRoutes } from './tiles/routes.js';
import { importExportRoutes } from './importexport/routes.js';
import { componentExportRoutes } from './components/export-routes.js';
import { addressExportRoutes } from './addresses/export-routes.js';
import { webConfigRoutes } from './webconfig/routes.js';
import { userRoutes } from './users/routes.js';
import { categoryRoutes } from './categories/routes.js';
import { calendarRoutes } from './calendar/routes.js';
import { assignRoutes } from './assign/routes.js';
import { caseRoutes } from './cases/routes.js';
import { addressRoutes } from './addresses/routes.js';
import { componentImportRoutes } from './components/import-routes.js';
import { componentRoutes } from './components/routes.js';
import { responsibilityRoutes } from './responsibility/routes.js';
import { ogcRoutes } from './ogc/routes.js';
import { exchangeRoutes } from './exchange/routes.js';
import { analysisRoutes } from './analysis/routes.js';
import { evaluationRoutes } from './evaluation/routes.js';
import { mediaRoutes } from './media/routes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
export const WEB_DIST = path.join(ROOT, 'web-map', 'dist');

export interface AppDeps {
  config: Config;
  database: Database;
  log: Logger;
}

export function buildApp({ config, database, log }: AppDeps): Koa {
  const app = new Koa();
  // X-Forwarded-* (ctx.protocol, ctx.host, ctx.ip) only behind a configured proxy: a client could forge them otherwise.
  app.proxy = config.trustProxy;
  const api = new Api({ db: database.db, publicRead: config.publicRead, bodyLimitBytes: config.bodyLimitBytes });

  healthRoutes(api, database, VERSION);
  gridRoutes(api, database.db);
  gridEditRoutes(api, database.db);
  tileRoutes(api, database, config, config.tileEncoder);
  // Before the region export (/api/export/:layer.geojson) and /api/components/:code, which would take these paths.
  componentExportRoutes(api, database.db);
  addressExportRoutes(api, database.db);
  importExportRoutes(api, database, config.bodyLimitBytes);
  webConfigRoutes(api, config);
  userRoutes(api, database.db);
  categoryRoutes(api, database.db);
  calendarRoutes(api, database.db);
  responsibilityRoutes(api, database.db);
  componentRoutes(api, database.db);
  componentImportRoutes(api, database, config.fileLimitBytes);
  addressRoutes(api, database, config.fileLimitBytes);
  assignRoutes(api, database.db);
  caseRoutes(api, database.db, config);
  exchangeRoutes(api, database, config.fileLimitBytes);
  ogcRoutes(api, database.db, VERSION);
  analysisRoutes(api, database.db);
  evaluationRoutes(api, database, config);
  mediaRoutes(api, database.db, config);
  api.router.get('/api/openapi.json', (ctx) => {
    ctx.body = openApiDocument(api.specs, VERSION);
  });

  app.use(problemMiddleware(log));
  app.use(async (ctx, next) => {
    const t = Date.now();
    await next();
    log.debug({ method: ctx.method, url: ctx.url, status: ctx.status, ms: Date.now() - t }, 'request');
  });
  app.use(compressMiddleware());
  app.use(api.router.routes());
  app.use(api.router.allowedMethods());
  app.use(serve(WEB_DIST, { maxage: 0, gzip: false }));
  return app;
}
