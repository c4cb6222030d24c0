/**
 * The versioned CRUD routes every responsibility-library entity has: GET one, POST, PATCH and DELETE of
 * `{path}/:key`. The helper owns what they share — the library write (audit row and assignment_version bump),
 * If-Match against the row's version, 404s, the version bump, ETags and the audit detail (old/new) — and each entity
 * gives only what is its own: schemas, how to read, check, insert and update a row, its scope check and what refers
 * to it.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Static, TObject } from 'typebox';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { bumpVersion, type VersionedTable } from '../db/write.js';
import { sendVersioned, type Api, type RouteSpec } from '../http/api.js';
import { notFound } from '../http/problem.js';
import { libraryWrite, lockOrNotFound, plain } from './common.js';

type Db = Kysely<DB> | Transaction<DB>;
type Route = Pick<RouteSpec, 'summary' | 'description' | 'errors'>;

export interface VersionedEntity<
  Row extends { version: number },
  Key extends string | number,
  Create extends TObject,
  Patch extends TObject,
> {
  names: {
    /** The audit_event entity name, e.g. 'rule'. */
    entity: string;
    table: VersionedTable;
    /** The collection path, e.g. /api/rules; one row is `${path}/:${key}`. */
    path: string;
    /** The path parameter and key column. */
    key: 'id' | 'code';
    /** What the 404s name, e.g. 'area-class zone' → "no area-class zone with id 7". */
    noun: string;
    /** Tile layers a write bumps. */
    layers?: string[];
  };
  schemas: { params: TObject; create: Create; patch: Patch };
  /** Each route's summary, description and statuses beyond 404 (which the helper documents), by method. */
  get: Route;
  post: Route;
  patch: Route;
  delete: Route;
  /** Reads one row. */
  read(db: Db, key: Key): Promise<Row | undefined>;
  /** What the caller sees of a row (default: the row). */
  present?(row: Row, user: User | undefined): { version: number };
  /** Checks before the transaction (e.g. 400 for an area whose members do not fit its kind). */
  precheck?(body: Static<Create> | Static<Patch>): void;
  /** Checks and inserts; returns the new row's key. */
  insert(trx: Transaction<DB>, body: Static<Create>, user: User): Promise<Key>;
  /** Checks the fields sent; returns the columns to set (the helper updates the row and bumps its version). */
  update(trx: Transaction<DB>, key: Key, body: Static<Patch>, old: Row, user: User): Promise<Record<string, unknown>>;
  /** 403 unless the user's scope covers the row as it is (before a change or a deletion). */
  scope(
    trx: Transaction<DB>,
    user: User,
    old: NoInfer<Row>,
    key: Key,
    change: 'patch' | 'delete',
  ): Promise<void> | void;
  /** 409 when something still refers to the row. */
  references?(trx: Transaction<DB>, key: Key, old: Row): Promise<void>;
  /** Entities with history: keeps the row as it was before a PATCH or DELETE ends it. */
  endRow?(trx: Transaction<DB>, key: Key, change: 'patch' | 'delete'): Promise<void>;
  /** After a PATCH has updated the row (e.g. re-deriving what follows from the changed columns). */
  afterUpdate?(trx: Transaction<DB>, key: Key): Promise<void>;
}

export function versionedCrudRoutes<
  Row extends { version: number },
  Key extends string | number,
  Create extends TObject,
  Patch extends TObject,
>(api: Api, db: Kysely<DB>, tag: string, e: VersionedEntity<Row, Key, Create, Patch>): void {
  const { entity, table, path, key: keyName, noun, layers } = e.names;
  const { params: paramsSchema, create, patch } = e.schemas;
  const one = `${path}/:${keyName}`;
  const what = (key: Key) => `${noun} with ${keyName} ${key}`;
  /** A route's documentation, with the 404 of a route that names one row. */
  const doc = (route: Route) => ({ ...route, errors: { 404: `no ${noun} with this ${keyName}`, ...route.errors } });
  const show = (row: Row, user: User | undefined) => (e.present ? e.present(row, user) : row);
  // Api.route cannot resolve Static<> of a generic schema: these routes' validated input gets its type here, once.
  const keyOf = (params: unknown) => (params as Record<string, Key>)[keyName];
  const bodyOf = <T extends TObject>(_schema: T, body: unknown) => body as Static<T>;
  /** Locks the row (412 on a stale If-Match, 404 when gone), reads it and checks the scope. */
  const lockOld = async (
    trx: Transaction<DB>,
    user: User,
    key: Key,
    ifMatch: string[] | undefined,
    change: 'patch' | 'delete',
  ) => {
    await lockOrNotFound(trx, table, key, ifMatch, what(key));
    const old = (await e.read(trx, key))!;
    await e.scope(trx, user, old, key, change);
    return old;
  };

  api.route({ method: 'get', path: one, tag, params: paramsSchema, ...doc(e.get) }, async (ctx, { params, user }) => {
    const key = keyOf(params);
    const row = await e.read(db, key);
    if (!row) throw notFound(`no ${what(key)}`);
    sendVersioned(ctx, show(row, user));
  });

  api.route(
    { method: 'post', path, tag, permission: 'editLibrary', body: create, ...e.post },
    async (ctx, { body, user }) => {
      const b = bodyOf(create, body);
      e.precheck?.(b);
      const row = await libraryWrite(
        db,
        user,
        async (trx) => {
          const key = await e.insert(trx, b, user);
          const row = (await e.read(trx, key))!;
          return { result: row, action: 'create', entity, key: String(key), detail: { new: plain(row) } };
        },
        layers,
      );
      sendVersioned(ctx, show(row, user), 201);
    },
  );

  api.route(
    {
      method: 'patch',
      path: one,
      tag,
      permission: 'editLibrary',
      params: paramsSchema,
      body: patch,
      ...doc(e.patch),
    },
    async (ctx, { params, body, user, ifMatch }) => {
      const key = keyOf(params);
      const b = bodyOf(patch, body);
      e.precheck?.(b);
      const row = await libraryWrite(
        db,
        user,
        async (trx) => {
          const old = await lockOld(trx, user, key, ifMatch, 'patch');
          const set = await e.update(trx, key, b, old, user);
          await e.endRow?.(trx, key, 'patch');
          if (Object.keys(set).length)
            await trx.updateTable(table).set(set).where(sql.ref(keyName), '=', key).execute();
          await bumpVersion(trx, table, key);
          await e.afterUpdate?.(trx, key);
          const row = (await e.read(trx, key))!;
          const detail = { old: plain(old), new: plain(row) };
          return { result: row, action: 'update', entity, key: String(key), detail };
        },
        layers,
      );
      sendVersioned(ctx, show(row, user));
    },
  );

  api.route(
    { method: 'delete', path: one, tag, permission: 'editLibrary', params: paramsSchema, ...doc(e.delete) },
    async (ctx, { params, user, ifMatch }) => {
      const key = keyOf(params);
      await libraryWrite(
        db,
        user,
        async (trx) => {
          const old = await lockOld(trx, user, key, ifMatch, 'delete');
          await e.references?.(trx, key, old);
          await e.endRow?.(trx, key, 'delete');
          await sql`delete from ${sql.table(table)} where ${sql.ref(keyName)} = ${key}`.execute(trx);
          return { result: undefined, action: 'delete', entity, key: String(key), detail: { old: plain(old) } };
        },
        layers,
      );
      ctx.status = 204;
    },
  );
}
