/** ajv validators for query strings, path parameters and bodies, with messages a person can act on. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { validationError, type ProblemFieldError } from './problem.js';

export type JsonSchema = Record<string, unknown>;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// Query strings and path parameters arrive as text: coerce "12" → 12 before checking.
const coercing = addFormats(new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false, verbose: true }));
const exact = addFormats(new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true }));
const cache = new WeakMap<JsonSchema, ValidateFunction>();

export type Where = 'query' | 'path' | 'body';

function compiled(schema: JsonSchema, where: Where): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    fn = (where === 'body' ? exact : coercing).compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

const noun: Record<Where, string> = { query: 'query parameter', path: 'path parameter', body: 'body field' };

export function describe(err: ErrorObject, where: Where): ProblemFieldError {
  const parts = err.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
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
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
      return { location: location(name), message: `${noun[where]} '${name}' must be one of ${allowed}` };
    }
    case 'pattern':
      return { location: location(name), message: `${noun[where]} '${name}' ${err.parentSchema?.description ? `must be ${err.parentSchema.description}` : err.message}` };
    default:
      return { location: location(name), message: name ? `${noun[where]} '${name}' ${err.message}` : `${where} ${err.message}` };
  }
}

/** Validates (and coerces, for query/path) in place; throws a 400 problem listing every error. */
export function check<T>(schema: JsonSchema, value: unknown, where: Where): T {
  const fn = compiled(schema, where);
  if (fn(value)) return value as T;
  const errors = dedupe((fn.errors ?? []).map((e) => describe(e, where)));
  throw validationError(errors.map((e) => e.message).join('; '), errors);
}

function dedupe(errors: ProblemFieldError[]): ProblemFieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)));
}
