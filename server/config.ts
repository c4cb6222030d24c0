/**
 * Every setting, read once from the environment. Defaults are documented here and in the README.
 */
import path from 'node:path';

export interface Config {
  /** HTTP port (PORT, default 8080). */
  port: number;
  /** Interface to bind (HOST, default 0.0.0.0). */
  host: string;
  /** PostgreSQL + PostGIS server (DATABASE_URL). Unset → embedded PGlite + PostGIS. */
  databaseUrl: string | undefined;
  /** Where the embedded database and other state live (DATA_DIR, default ./var). */
  dataDir: string;
  /** Read endpoints open without a token (PUBLIC_READ, default true). */
  publicRead: boolean;
  /** Load the demo city into an empty database at start-up (DEMO_CITY, default true). */
  demoCity: boolean;
  /** Optional raster basemap URL template for the web map, e.g. Tianditu with a key (BASEMAP_URL). */
  basemapUrl: string | undefined;
  /** Attribution text for BASEMAP_URL (BASEMAP_ATTRIBUTION). */
  basemapAttribution: string | undefined;
  /** Bytes of encoded tiles kept in memory (TILE_CACHE_MB, default 64). */
  tileCacheBytes: number;
  /** Tile encoder override (TILE_ENCODER): "geojson-vt" or "st_asmvt"; unset → by database driver. */
  tileEncoder: string | undefined;
  /** Trust X-Forwarded-Proto/-Host/-For from a reverse proxy (TRUST_PROXY, default false). */
  trustProxy: boolean;
  /** Log level for pino (LOG_LEVEL, default info). */
  logLevel: string;
  /** Largest accepted JSON body (BODY_LIMIT_MB, default 64; imports of whole cities are large). */
  bodyLimitBytes: number;
  /** Largest accepted census or address file upload (FILE_LIMIT_MB, default 512; spooled to a temporary file). */
  fileLimitBytes: number;
  /** Nearest components suggested for a report of a component class: within this many metres (COMPONENT_RADIUS_M, 30). */
  componentRadiusM: number;
  /** Largest accepted case report (REPORT_LIMIT_KB, default 64; photos are references, not bytes). */
  reportLimitBytes: number;
  /** Suggested duplicates: same category, open, within this many metres (DUPLICATE_RADIUS_M, default 50; 0 = off)… */
  duplicateRadiusM: number;
  /** …reported within this many hours before (DUPLICATE_WINDOW_HOURS, default 72). */
  duplicateWindowHours: number;
  /** Timeouts of the database connection in ms (see DatabaseTimeouts). */
  db: DatabaseTimeouts;
  /** Where photos and other media are stored, content-addressed (MEDIA_DIR, default DATA_DIR/media). */
  mediaDir: string;
  /** Largest accepted media upload (MEDIA_LIMIT_MB, default 10). */
  mediaLimitBytes: number;
  /** A JSON file of evaluation weights and bands laid over the defaults (EVALUATION_CONFIG; server/evaluation/config.ts). */
  evaluationConfig: string | undefined;
}

export interface DatabaseTimeouts {
  /** Opening a new PostgreSQL connection (DB_CONNECT_TIMEOUT_MS, default 5000). */
  connectMs: number;
  /** Server-side statement_timeout of every statement (DB_STATEMENT_TIMEOUT_MS, default 15000; 0 = none). */
  statementMs: number;
  /**
   * Client-side limit on waiting for a query's answer (DB_QUERY_TIMEOUT_MS, default statement timeout + 5000): a
   * frozen server never answers, so statement_timeout alone does not help. The connection is dropped when it fires.
   */
  queryMs: number;
  /** Waiting for a free pooled connection, or for the embedded database's session (DB_ACQUIRE_TIMEOUT_MS, 10000). */
  acquireMs: number;
  /** statement_timeout inside an import's transaction (DB_IMPORT_TIMEOUT_MS, default 600000; 0 = none). */
  importMs: number;
}

function bool(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined || v === '') return dflt;
  return !/^(0|false|no|off)$/i.test(v);
}

function num(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${v}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: num('PORT', env.PORT, 8080),
    host: env.HOST || '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR || './var'),
    publicRead: bool(env.PUBLIC_READ, true),
    demoCity: bool(env.DEMO_CITY, true),
    basemapUrl: env.BASEMAP_URL || undefined,
    basemapAttribution: env.BASEMAP_ATTRIBUTION || undefined,
    tileCacheBytes: Math.floor(num('TILE_CACHE_MB', env.TILE_CACHE_MB, 64) * 1024 * 1024),
    tileEncoder: env.TILE_ENCODER || undefined,
    trustProxy: bool(env.TRUST_PROXY, false),
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimitBytes: Math.floor(num('BODY_LIMIT_MB', env.BODY_LIMIT_MB, 64) * 1024 * 1024),
    fileLimitBytes: Math.floor(num('FILE_LIMIT_MB', env.FILE_LIMIT_MB, 512) * 1024 * 1024),
    componentRadiusM: num('COMPONENT_RADIUS_M', env.COMPONENT_RADIUS_M, 30),
    reportLimitBytes: Math.floor(num('REPORT_LIMIT_KB', env.REPORT_LIMIT_KB, 64) * 1024),
    duplicateRadiusM: num('DUPLICATE_RADIUS_M', env.DUPLICATE_RADIUS_M, 50),
    duplicateWindowHours: num('DUPLICATE_WINDOW_HOURS', env.DUPLICATE_WINDOW_HOURS, 72),
    db: loadDatabaseTimeouts(env),
    evaluationConfig: env.EVALUATION_CONFIG || undefined,
    mediaDir: path.resolve(env.MEDIA_DIR || path.join(env.DATA_DIR || './var', 'media')),
    mediaLimitBytes: Math.floor(num('MEDIA_LIMIT_MB', env.MEDIA_LIMIT_MB, 10) * 1024 * 1024),
  };
}

export function loadDatabaseTimeouts(env: NodeJS.ProcessEnv = process.env): DatabaseTimeouts {
  const statementMs = num('DB_STATEMENT_TIMEOUT_MS', env.DB_STATEMENT_TIMEOUT_MS, 15_000);
  return {
    connectMs: num('DB_CONNECT_TIMEOUT_MS', env.DB_CONNECT_TIMEOUT_MS, 5_000),
    statementMs,
    queryMs: num('DB_QUERY_TIMEOUT_MS', env.DB_QUERY_TIMEOUT_MS, statementMs ? statementMs + 5_000 : 0),
    acquireMs: num('DB_ACQUIRE_TIMEOUT_MS', env.DB_ACQUIRE_TIMEOUT_MS, 10_000),
    importMs: num('DB_IMPORT_TIMEOUT_MS', env.DB_IMPORT_TIMEOUT_MS, 600_000),
  };
}
