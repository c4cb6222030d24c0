/** ajv validators for query strings, path parameters and bodies, with messages a person can act on. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { validationError, type ProblemFieldError } from './problem.js';
import { checkEdges } from './sanitize.js';

export type JsonSchema = Record<string, unknown>;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Dates and date-times are accepted in these years only (UTC): both PostgreSQL and JavaScript hold them exactly. */
export const DATE_RANGE = { from: '1000-01-01', to: '9999-12-31' };
const FIRST_MS = Date.parse(`${DATE_RANGE.from}T00:00:00Z`);
const LAST_MS = Date.parse(`${DATE_RANGE.to}T23:59:59.999Z`);
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date YYYY-MM-DD that exists (no 2026-02-30) within DATE_RANGE. */
export function isSaneDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(ms);
  return (
    ms >= FIRST_MS &&
    ms <= LAST_MS &&
    d.getUTCFullYear() === Number(m[1]) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3])
  );
}

/** An RFC 3339 date-time (with offset) that JavaScript can parse, whose instant lies within DATE_RANGE. */
export function isSaneDateTime(s: string): boolean {
  const strict = fullFormats['date-time'] as { validate: (s: string) => boolean };
  if (!strict.validate(s)) return false;
  const ms = Date.parse(s);
  return Number.isFinite(ms) && ms >= FIRST_MS && ms <= LAST_MS;
}

function saneAjv(coerceTypes: boolean): Ajv {
  // strictNumbers: NaN and ±Infinity (JSON 1e400, query "Infinity") are not numbers.
  const ajv = addFormats(
    new Ajv({ allErrors: true, coerceTypes, useDefaults: true, strict: false, verbose: true, strictNumbers: true }),
  );
  ajv.addFormat('date', { type: 'string', validate: isSaneDate });
  ajv.addFormat('date-time', { type: 'string', validate: isSaneDateTime });
  return ajv;
}
// Query strings and path parameters arrive as text: coerce "12" → 12 before checking.
const coercing = saneAjv(true);
const exact = saneAjv(false);
const cache = new WeakMap<object, ValidateFunction>();

export type Where = 'query' | 'path' | 'body';

function compiled(schema: object, where: Where): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = (where === 'body' ? exact : coercing).compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

const noun: Record<Where, string> = { query: 'query parameter', path: 'path parameter', body: 'body field' };

export function describe(err: ErrorObject, where: Where): ProblemFieldError {
  const parts = err.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let name = parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
  const location = (n: string) => (n ? `${where}.${n}` : where);
  switch (err.keyword) {
    case 'required': {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      name = name ? `${name}.${missing}` : missing;
      return { location: location(name), message: `missing required ${noun[where]} '${name}'` };
    }
    case 'additionalProperties': {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      const full = name ? `${name}.${extra}` : extra;
      return { location: location(full), message: `unknown ${noun[where]} '${full}'` };
    }
    case 'enum': {
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues
        .map((v) => JSON.stringify(v))
        .join(', ');
      return { location: location(name), message: `${noun[where]} '${name}' must be one of ${allowed}` };
    }
    case 'format': {
      const format = (err.params as { format: string }).format;
      const got = shorten(JSON.stringify(err.data) ?? String(err.data));
      // A value not even shaped like a date keeps ajv's wording; a date-shaped one is told the range.
      const shaped = typeof err.data === 'string' && /^[+-]?\d{4,6}-\d{2}-\d{2}/.test(err.data);
      if (!shaped && (format === 'date' || format === 'date-time')) {
        return { location: location(name), message: `${noun[where]} '${name}' ${err.message}` };
      }
      if (format === 'date') {
        return {
          location: location(name),
          message: `${noun[where]} '${name}' must be an existing date YYYY-MM-DD from ${DATE_RANGE.from} to ${DATE_RANGE.to} (got ${got})`,
        };
      }
      if (format === 'date-time') {
        return {
          location: location(name),
          message: `${noun[where]} '${name}' must be an RFC 3339 date-time with an offset, e.g. 2026-03-01T08:30:00+08:00, from ${DATE_RANGE.from} to ${DATE_RANGE.to} (got ${got})`,
        };
      }
      return { location: location(name), message: `${noun[where]} '${name}' must be a valid ${format} (got ${got})` };
    }
    case 'pattern':
      return {
        location: location(name),
        message: `${noun[where]} '${name}' ${err.parentSchema?.description ? `must be ${err.parentSchema.description}` : err.message}`,
      };
    default:
      return {
        location: location(name),
        message: name ? `${noun[where]} '${name}' ${err.message}` : `${where} ${err.message}`,
      };
  }
}

/** Validates (and coerces, for query/path) in place; throws a 400 problem listing every error. */
export function check<T>(schema: object, value: unknown, where: Where): T {
  const fn = compiled(schema, where);
  if (fn(value)) {
    // Coercion turns the text "Infinity" or "1e400" into a number that is not finite: refuse it here.
    if (where !== 'body') checkEdges(value, where);
    return value as T;
  }
  const errors = dedupe((fn.errors ?? []).map((e) => describe(e, where)));
  throw validationError(errors.map((e) => e.message).join('; '), errors);
}

/** A quoted bad value, cut to a readable length. */
function shorten(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function dedupe(errors: ProblemFieldError[]): ProblemFieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)));
}
