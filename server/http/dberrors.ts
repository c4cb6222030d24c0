/**
 * Safety net for database errors that input checks did not catch: a unique violation (23505, e.g. two writers of one
 * new key at once) is a 409 naming the conflicting key; a data exception (SQLSTATE class 22: out of range, invalid
 * text, bad date…) is a 400. Both drivers (pg and PGlite) raise errors with the same `code` and `detail` fields.
 */
import { HttpError, conflict } from './problem.js';

interface PgErrorFields {
  code?: unknown;
  detail?: unknown;
  constraint?: unknown;
  table?: unknown;
  message?: unknown;
}

/** Parses PostgreSQL's "Key (name)=(x) already exists." into column names and the key's text. */
export function parseKeyDetail(detail: string): { columns: string[]; value: string } | undefined {
  const m = /^Key \((.+?)\)=\((.*)\) already exists\.?$/s.exec(detail);
  if (!m) return undefined;
  return { columns: m[1].split(', ').map((c) => c.replace(/^"|"$/g, '')), value: m[2] };
}

/** The problem a database error stands for, or undefined when it is not the client's fault. */
export function problemFromDatabaseError(e: unknown): HttpError | undefined {
  if (e === null || typeof e !== 'object') return undefined;
  const err = e as PgErrorFields;
  if (typeof err.code !== 'string' || !/^[0-9A-Z]{5}$/.test(err.code)) return undefined;
  if (err.code === '23505') {
    const key = typeof err.detail === 'string' ? parseKeyDetail(err.detail) : undefined;
    const table = typeof err.table === 'string' ? err.table : 'the table';
    const detail = key
      ? `${table} already has a row with ${key.columns.join(', ')} = ${JSON.stringify(key.value)} (written by another request before or meanwhile)`
      : `${table} already has a row with the same unique key`;
    return conflict(detail, {
      constraint: typeof err.constraint === 'string' ? err.constraint : undefined,
      key: key ? { columns: key.columns, value: key.value } : undefined,
    });
  }
  if (err.code === '23503') {
    return conflict(
      `the change refers to or removes a row that is referenced or gone (written by another request meanwhile): ${typeof err.detail === 'string' ? err.detail : err.message}`,
      { constraint: typeof err.constraint === 'string' ? err.constraint : undefined },
    );
  }
  if (err.code.startsWith('22')) {
    const message = typeof err.message === 'string' ? err.message : 'invalid value';
    return new HttpError(
      400,
      'invalid-value',
      'Invalid value',
      `the database refused a value of this request: ${message} (SQLSTATE ${err.code})`,
      { sqlstate: err.code },
    );
  }
  return undefined;
}
