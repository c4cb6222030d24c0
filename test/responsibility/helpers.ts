/**
 * A server with the responsibility routes over the micro-city, users of every relevant role, and a ledger of
 * audit_event rows and assignment_version to check that each write is recorded exactly once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { sql } from 'kysely';
import pino from 'pino';
import { createUser } from '../../server/auth/tokens.js';
import type { Database } from '../../server/db/index.js';
import { Api } from '../../server/http/api.js';
import { problemMiddleware } from '../../server/http/problem.js';
import { importRegions } from '../../server/importexport/import.js';
import { componentRoutes } from '../../server/components/routes.js';
import { responsibilityRoutes } from '../../server/responsibility/routes.js';
import { microCity } from '../fixtures/micro-city.js';
import { openTestDatabase } from '../helpers/db.js';

export interface LibraryEnv {
  database: Database;
  url: string;
  tokens: { admin: string; editor: string; scoped: string; viewer: string; collector: string };
  ids: { admin: number; editor: number; scoped: number; viewer: number; collector: number };
}

export interface Reply {
  status: number;
  body: any;
}

/** Mocha hooks: fresh database + micro-city + users + server for one describe block. */
export function useLibraryServer(): LibraryEnv {
  const env = {} as LibraryEnv;
  let server: http.Server | undefined;
  before(async () => {
    env.database = await openTestDatabase();
    await importRegions(env.database, microCity(), { actor: { id: null, name: 'test' } });
    const db = env.database.db;
    const admin = await createUser(db, 'root', 'admin');
    const editor = await createUser(db, 'editor', 'gis_editor');
    const scoped = await createUser(db, 'hubin-editor', 'gis_editor', '990001001');
    const viewer = await createUser(db, 'watcher', 'viewer');
    const collector = await createUser(db, 'walker', 'collector');
    env.tokens = {
      admin: admin.token,
      editor: editor.token,
      scoped: scoped.token,
      viewer: viewer.token,
      collector: collector.token,
    };
    env.ids = {
      admin: admin.user.id,
      editor: editor.user.id,
      scoped: scoped.user.id,
      viewer: viewer.user.id,
      collector: collector.user.id,
    };
    const api = new Api({ db, publicRead: true, bodyLimitBytes: 1e6 });
    responsibilityRoutes(api, db);
    componentRoutes(api, db);
    const app = new Koa();
    app.use(problemMiddleware(pino({ level: 'silent' })));
    app.use(api.router.routes());
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    env.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server!.close(resolve));
    }
    await env.database?.close();
  });
  return env;
}

export function caller(env: LibraryEnv) {
  return async (method: string, path: string, opts: { body?: unknown; token?: string } = {}): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const r = await fetch(env.url + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
}

export interface Ledger {
  audits: number;
  version: number;
}

export async function ledger(env: LibraryEnv): Promise<Ledger> {
  const r = await sql<Ledger>`
    select (select count(*)::int from audit_event) as audits,
           (select version::int from assignment_version where id = 1) as version`.execute(env.database.db);
  return r.rows[0];
}

/** The newest audit_event row. */
export async function lastAudit(env: LibraryEnv) {
  const r = await sql<{
    actor_id: number | null;
    actor_name: string;
    action: string;
    entity: string;
    entity_key: string;
    detail: any;
  }>`
    select actor_id, actor_name, action, entity, entity_key, detail from audit_event order by id desc limit 1`.execute(
    env.database.db,
  );
  const row = r.rows[0];
  return { ...row, detail: typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail };
}

export async function count(env: LibraryEnv, table: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(env.database.db);
  return r.rows[0].n;
}

/** A closed CCW rectangle ring. */
export const box = (w: number, s: number, e: number, n: number): [number, number][] => [
  [w, s],
  [e, s],
  [e, n],
  [w, n],
  [w, s],
];
