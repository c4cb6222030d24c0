/**
 * The one write path. Every write of the API, the command-line tools and the demo loader runs through `write()`:
 *
 * 1. one transaction;
 * 2. when the write changes what assignment depends on (`assignment: true`), the assignment_version row is bumped
 *    FIRST — its row lock serialises such writes, so the checks inside (one grid per collector area, one fallback per
 *    region, references before a delete) see every committed change;
 * 3. the change itself (the callback), which locks the rows it edits with `lockVersion()`: with the client's
 *    `If-Match` a stale version is a 412 naming the current one, and the row's version is bumped;
 * 4. its audit_event rows;
 * 5. the tile-layer version bumps it names (cached tiles and TileJSON URLs change at once).
 *
 * All of it commits together or not at all. Concurrent writers of the same unique key lose at the database; the HTTP
 * layer answers 409 naming the key (server/http/dberrors.ts).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { HttpError } from '../http/problem.js';
import type { DB } from './schema.js';

/** Who writes: a signed-in user, or a system actor (id null: the demo loader, a command-line tool). */
export interface Actor {
  id: number | null;
  name: string;
}

export interface AuditEntry {
  action: string;
  entity: string;
  key: string | null;
  /** Stored as audit_event.detail: {new} for create, {old, new} for update, {old} for delete, or a summary. */
  detail: unknown;
}

/** One row of a case's history (case_event), the audit trail of case writes. */
export interface CaseEventEntry {
  case_id: number;
  at: Date;
  action: string;
  from_state: string | null;
  to_state: string;
  note: string;
  deadline: Date | null;
  detail: unknown;
}

/**
 * What a write's callback returns: its result and its trail — audit_event rows for everything but cases, the
 * case_event row for a case write (null when the write turned out to be a no-op, e.g. an idempotent replay).
 */
export type Change<T> =
  (AuditEntry & { result: T; more?: AuditEntry[] }) | { result: T; caseEvent: CaseEventEntry | null };

export interface WriteOptions {
  actor: Actor;
  /** The change alters what assignment depends on (library, grids): bump assignment_version, serialising. */
  assignment?: boolean;
  /** Tile layers whose version the change bumps. */
  layers?: string[];
}

export async function write<T>(
  db: Kysely<DB>,
  opts: WriteOptions,
  fn: (trx: Transaction<DB>) => Promise<Change<T>>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    if (opts.assignment) {
      await sql`update assignment_version set version = version + 1, updated_at = now() where id = 1`.execute(trx);
    }
    const c = await fn(trx);
    if ('caseEvent' in c) {
      if (!c.caseEvent) return c.result;
      await trx
        .insertInto('case_event')
        .values({
          ...c.caseEvent,
          actor_id: opts.actor.id,
          actor_name: opts.actor.name,
          detail: JSON.stringify(c.caseEvent.detail ?? {}),
        })
        .execute();
    } else {
      await trx
        .insertInto('audit_event')
        .values(
          [c, ...(c.more ?? [])].map((e) => ({
            actor_id: opts.actor.id,
            actor_name: opts.actor.name,
            action: e.action,
            entity: e.entity,
            entity_key: e.key,
            detail: JSON.stringify(e.detail ?? {}),
          })),
        )
        .execute();
    }
    if (opts.layers?.length) await bumpLayers(trx, opts.layers);
    return c.result;
  });
}

/** Bumps tile-layer versions (inside a write, or by itself for writes whose audit trail is elsewhere). */
export async function bumpLayers(db: Kysely<DB>, layers: string[]): Promise<void> {
  if (layers.length === 0) return;
  await sql`
    insert into tile_layer_version (layer) select l from unnest(${layers}::text[]) as l
    on conflict (layer) do update set version = tile_layer_version.version + 1, updated_at = now()`.execute(db);
}

// ---- optimistic concurrency ----

/** The tables with a per-row version, and the column that names a row in the API. */
export const VERSIONED = {
  department: 'code',
  resp_rule: 'id',
  area_class_zone: 'id',
  collector: 'id',
  collector_area: 'id',
  component: 'code',
  work_calendar: 'id',
  app_user: 'id',
  case_record: 'id',
  resource_version: 'name',
} as const;
export type VersionedTable = keyof typeof VERSIONED;

/** A strong ETag for a version. */
export const etag = (version: number): string => `"${version}"`;

/**
 * Locks one row (`for update`) and checks the client's If-Match against its version. Returns the version, or
 * undefined when no such row exists (the caller answers 404). A stale If-Match is a 412 with the current version
 * and ETag, and nothing is written.
 */
export async function lockVersion(
  trx: Transaction<DB>,
  table: VersionedTable,
  key: string | number,
  ifMatch: string[] | undefined,
): Promise<number | undefined> {
  const r = await sql<{ version: number }>`
    select version from ${sql.table(table)} where ${sql.ref(VERSIONED[table])} = ${key} for update`.execute(trx);
  const version = r.rows[0]?.version;
  if (version === undefined) return undefined;
  requireMatch(ifMatch, version, `${table.replace(/_/g, ' ')} ${key}`);
  return version;
}

/** 412 unless If-Match (absent = no precondition) lists the current version or is `*`. */
export function requireMatch(ifMatch: string[] | undefined, version: number, what: string): void {
  if (!ifMatch || ifMatch.includes('*') || ifMatch.includes(etag(version))) return;
  throw new HttpError(
    412,
    'precondition-failed',
    'Precondition failed',
    `${what} was changed by someone else: it is at version ${version} (ETag ${etag(version)}), you sent If-Match ${ifMatch.join(', ')}; reload it and apply your change again`,
    { current_version: version, etag: etag(version) },
  );
}

/** Bumps a row's version (after lockVersion in the same transaction); returns the new one. */
export async function bumpVersion(trx: Transaction<DB>, table: VersionedTable, key: string | number): Promise<number> {
  const r = await sql<{ version: number }>`
    update ${sql.table(table)} set version = version + 1 where ${sql.ref(VERSIONED[table])} = ${key}
    returning version`.execute(trx);
  return r.rows[0].version;
}
