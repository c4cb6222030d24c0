/**
 * Prepared test databases, migrated once instead of once per test file.
 *
 * - PGlite: the first open in a process migrates an in-memory database and dumps its data directory (dumpDataDir);
 *   every later open starts from that tarball (loadDataDir), which skips initdb, CREATE EXTENSION postgis and the
 *   migrations. The tarball is also cached in os.tmpdir()/wangge-test-cache, keyed by a hash of what migrate()
 *   depends on (migrations/, server/db/migrate.ts and seed.ts, data/, the PGlite and PostGIS versions), so the next
 *   process skips the build too. Opens from the snapshot load a trimmed PostGIS bundle (postgis-3.so and the PROJ data
 *   only): the full one also compiles the raster and topology libraries (another 31 MB of WebAssembly) every time.
 * - PostgreSQL: a template database `wangge_tpl_<hash>` migrated once per server and key (built under an advisory
 *   lock, marked is_template when complete); each test database is `create database … template …`.
 *
 * Cache files are written to a temporary name and renamed, so processes that build at once never read a torn file.
 * WANGGE_TEST_SNAPSHOT=off turns all this off (every test database is migrated from scratch, as before).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import type { Extension } from '@electric-sql/pglite';
import { migrate, openDatabase } from '../../server/db/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE_DIR = path.join(os.tmpdir(), 'wangge-test-cache');
export const SNAPSHOTS_ON = process.env.WANGGE_TEST_SNAPSHOT !== 'off';

function filesUnder(p: string): string[] {
  if (!fs.existsSync(p)) return [];
  if (!fs.statSync(p).isDirectory()) return [p];
  return fs
    .readdirSync(p)
    .sort()
    .flatMap((f) => filesUnder(path.join(p, f)));
}

const require = createRequire(import.meta.url);
/** The directory of a package's entry point (its dist/). */
const packageDir = (specifier: string) => path.dirname(require.resolve(specifier));

function packageVersion(specifier: string): string {
  let dir = packageDir(specifier);
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

let key: string | undefined;
/** Hash of everything a migrated database depends on (the PGlite snapshot's name adds the PGlite version). */
export function schemaKey(): string {
  if (key) return key;
  const h = crypto.createHash('sha256');
  const inputs = ['migrations', 'server/db/migrate.ts', 'server/db/seed.ts', 'data'].map((p) => path.join(ROOT, p));
  for (const file of inputs.flatMap(filesUnder)) {
    h.update(path.relative(ROOT, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  key = h.digest('hex').slice(0, 20);
  return key;
}

/** Writes a cache file atomically (temporary name, then rename). */
function writeCache(file: string, data: Uint8Array): void {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * Copies the entries of an uncompressed tar whose path `keep` accepts, headers and data verbatim (with any pax or
 * GNU long-name header that precedes them).
 */
export function filterTar(tar: Buffer, keep: (name: string) => boolean): Buffer {
  const out: Buffer[] = [];
  let pending: Buffer[] = [];
  const text = (from: number, to: number, b: Buffer) => b.toString('utf8', from, to).replace(/\0[\s\S]*$/, '');
  for (let off = 0; off + 512 <= tar.length;) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(text(124, 136, header).trim() || '0', 8);
    const end = off + 512 + Math.ceil(size / 512) * 512;
    const block = tar.subarray(off, end);
    off = end;
    const type = String.fromCharCode(header[156]);
    if (type === 'x' || type === 'L' || type === 'K') {
      pending.push(block);
      continue;
    }
    const prefix = text(345, 500, header);
    const name = (prefix ? `${prefix}/` : '') + text(0, 100, header);
    if (keep(name.replace(/^\.\//, ''))) out.push(...pending, block);
    pending = [];
  }
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

const KEEP = (name: string) =>
  name === 'lib/postgresql/postgis-3.so' ||
  name.startsWith('share/proj/') ||
  name === 'share/postgresql/extension/postgis.control';

let trimmed: Extension | undefined;
/** The PostGIS extension with a bundle of only what a migrated database needs at run time. */
async function trimmedPostgis(): Promise<Extension> {
  if (trimmed) return trimmed;
  const { postgis } = await import('@electric-sql/pglite-postgis');
  const source = path.join(packageDir('@electric-sql/pglite-postgis'), 'postgis.tar.gz');
  const file = path.join(CACHE_DIR, `postgis-min-${packageVersion('@electric-sql/pglite-postgis')}.tar.gz`);
  if (!fs.existsSync(file)) {
    const tar = filterTar(zlib.gunzipSync(fs.readFileSync(source)), KEEP);
    if (!tar.includes('lib/postgresql/postgis-3.so')) throw new Error(`no postgis-3.so in ${source}`);
    writeCache(file, zlib.gzipSync(tar, { level: 1 }));
  }
  const bundlePath = pathToFileURL(file);
  trimmed = {
    name: 'postgis',
    setup: async (pg, emscriptenOpts) => ({ ...(await postgis.setup(pg, emscriptenOpts)), bundlePath }),
  };
  return trimmed;
}

let pgliteSnapshot: Promise<Blob> | undefined;
/** The migrated PGlite data directory as a tarball: from this process, the disk cache, or built now. */
async function pgliteDataDir(): Promise<Blob> {
  const file = path.join(CACHE_DIR, `pglite-${schemaKey()}-${packageVersion('@electric-sql/pglite')}.tar`);
  if (fs.existsSync(file)) return new Blob([new Uint8Array(fs.readFileSync(file))]);
  const database = await openDatabase({ dataDir: 'memory' });
  try {
    await migrate(database);
    const tarball = await database.dumpDataDir!();
    writeCache(file, new Uint8Array(await tarball.arrayBuffer()));
    return tarball;
  } finally {
    await database.close();
  }
}

/** Opens a fresh, migrated in-memory PGlite from the prepared snapshot. */
export async function openPGliteFromSnapshot() {
  if (!pgliteSnapshot) {
    pgliteSnapshot = pgliteDataDir();
    pgliteSnapshot.catch(() => {
      pgliteSnapshot = undefined;
    }); // a failed build is retried by the next open
  }
  const [tarball, postgis] = await Promise.all([pgliteSnapshot, trimmedPostgis()]);
  return openDatabase({ dataDir: 'memory', loadDataDir: tarball, postgis });
}

/** `url` with another database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Waits until no backend is connected to database `name` (pg.Pool.end() resolves before its sockets close). */
export async function waitForBackends(client: pg.Client, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await client.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
    if (r.rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const templates = new Map<string, Promise<string>>();
/** The name of the migrated template database on the server of `url`, built once (by one process at a time). */
export function postgresTemplate(url: string): Promise<string> {
  let template = templates.get(url);
  if (!template) {
    template = buildTemplate(url);
    template.catch(() => templates.delete(url));
    templates.set(url, template);
  }
  return template;
}

async function buildTemplate(url: string): Promise<string> {
  const name = `wangge_tpl_${schemaKey()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const ready = async () =>
    (await admin.query('select datistemplate from pg_database where datname = $1', [name])).rows[0]?.datistemplate;
  try {
    if (await ready()) return name;
    await admin.query('select pg_advisory_lock(hashtext($1))', [name]);
    try {
      if (await ready()) return name; // another process built it while this one waited
      await admin.query(`drop database if exists ${name} with (force)`); // left half-built by a killed process
      await admin.query(`create database ${name}`);
      const database = await openDatabase({ databaseUrl: withDatabase(url, name), poolSize: 2 });
      try {
        await migrate(database);
      } finally {
        await database.close();
      }
      await waitForBackends(admin, name);
      await admin.query(`alter database ${name} with is_template true`);
      return name;
    } finally {
      await admin.query('select pg_advisory_unlock(hashtext($1))', [name]);
    }
  } finally {
    await admin.end();
  }
}
