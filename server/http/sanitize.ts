/**
 * Edge checks every request passes before its schema is checked: no NUL characters or lone UTF-16 surrogates in any
 * string (PostgreSQL text cannot hold U+0000 and UTF-8 cannot encode a lone surrogate), no JSON nested deeper than
 * MAX_DEPTH, no number that is not finite, and an integer range for every integer schema that declares none.
 * Each problem is a 400 naming the field. The walk is iterative, so no input can blow the stack.
 */
import type { RouteSpec } from './api.js';
import { validationError, type ProblemFieldError } from './problem.js';
import type { JsonSchema, Where } from './validate.js';

/** Deepest accepted nesting of arrays/objects in a JSON body (a GeoJSON MultiPolygon needs 6 with its wrappers). */
export const MAX_DEPTH = 64;
/** Range given to integer schemas without their own: what a JavaScript number holds exactly (bigint holds more). */
export const MAX_INTEGER = Number.MAX_SAFE_INTEGER;
/** At most this many problems are listed; the walk stops there. */
const MAX_ERRORS = 20;

const noun: Record<Where, string> = { query: 'query parameter', path: 'path parameter', body: 'body field' };

function child(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** Why a string cannot be stored as text, or undefined when it can. */
export function badString(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed())
    return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

/** True for an array of finite numbers only (a coordinate pair): nothing in it to report. */
function finiteNumbers(x: unknown): boolean {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) {
    const n: unknown = x[i];
    if (typeof n !== 'number' || !Number.isFinite(n)) return false;
  }
  return true;
}

/** A container being walked: its location is built from its parents only when a problem is found in it. */
interface Frame {
  v: object;
  parent: Frame | undefined;
  /** Its key in the parent (undefined for the value itself). */
  key: string | number | undefined;
  depth: number;
}

function locate(where: string, f: Frame | undefined, key?: string | number): string {
  const keys: Array<string | number> = key === undefined ? [] : [key];
  for (let g = f; g?.parent; g = g.parent) keys.push(g.key!);
  let loc = where;
  for (let i = keys.length - 1; i >= 0; i--) loc = child(loc, keys[i]);
  return loc;
}

/**
 * Every edge problem in a value (a parsed body, the query object or the path parameters), iteratively. Scalars are
 * checked in place and locations are built only for problems, so a 50 MB GeoJSON body takes a fraction of a second.
 */
export function edgeProblems(value: unknown, where: Where): ProblemFieldError[] {
  const errors: ProblemFieldError[] = [];
  const name = (loc: string) => loc.slice(where.length + 1) || where;
  const stack: Frame[] = [];
  // Checks one value at (parent, key); containers are queued.
  const visit = (v: unknown, parent: Frame | undefined, key: string | number | undefined, depth: number) => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        const loc = locate(where, parent, key);
        errors.push({ location: loc, message: `${noun[where]} '${name(loc)}' must be a finite number (got ${v})` });
      }
    } else if (typeof v === 'string') {
      const why = badString(v);
      if (why) {
        const loc = locate(where, parent, key);
        errors.push({ location: loc, message: `${noun[where]} '${name(loc)}' ${why}` });
      }
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_DEPTH) {
        const loc = locate(where, parent, key);
        errors.push({
          location: loc,
          message: `${noun[where]} '${name(loc)}' is nested deeper than ${MAX_DEPTH} levels of arrays and objects`,
        });
      } else stack.push({ v, parent, key, depth });
    }
  };
  visit(value, undefined, undefined, 0);
  while (stack.length > 0 && errors.length < MAX_ERRORS) {
    const f = stack.pop()!;
    const v = f.v;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        const x: unknown = v[i];
        // Coordinates: finite numbers are by far the most common values, checked without a call.
        if (typeof x === 'number' ? !Number.isFinite(x) : !(f.depth + 1 < MAX_DEPTH && finiteNumbers(x)))
          visit(x, f, i, f.depth + 1);
      }
    } else {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        const why = badString(k);
        if (why) {
          const loc = locate(where, f, k);
          errors.push({ location: loc, message: `a ${noun[where]} name in '${name(locate(where, f))}' ${why}` });
          continue;
        }
        visit((v as Record<string, unknown>)[k], f, k, f.depth + 1);
      }
    }
  }
  return errors.slice(0, MAX_ERRORS);
}

/** Throws a 400 problem listing every edge problem of the value. */
export function checkEdges(value: unknown, where: Where): void {
  const errors = edgeProblems(value, where);
  if (errors.length > 0) throw validationError(errors.map((e) => e.message).join('; '), errors);
}

/** Checks the path parameters and the query string of a request (bodies are checked where they are parsed). */
export function checkRequestEdges(params: Record<string, unknown>, query: Record<string, unknown>): void {
  const errors = [...edgeProblems(params, 'path'), ...edgeProblems(query, 'query')];
  if (errors.length > 0) throw validationError(errors.map((e) => e.message).join('; '), errors);
}

/**
 * Gives every integer schema of a route without a maximum (minimum) the range ±MAX_INTEGER, in place, so that the
 * validator refuses ids like 9223372036854775808 and the OpenAPI document shows the limit. Iterative.
 */
export function boundIntegers(spec: RouteSpec): RouteSpec {
  const stack: unknown[] = [spec.params, spec.query, spec.body];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const s = stack.pop();
    if (s === null || typeof s !== 'object' || seen.has(s)) continue;
    seen.add(s);
    if (Array.isArray(s)) {
      stack.push(...s);
      continue;
    }
    const schema = s as JsonSchema;
    const type = schema.type;
    if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) {
      if (schema.maximum === undefined && schema.exclusiveMaximum === undefined) schema.maximum = MAX_INTEGER;
      if (schema.minimum === undefined && schema.exclusiveMinimum === undefined) schema.minimum = -MAX_INTEGER;
    }
    for (const [k, sub] of Object.entries(schema)) {
      if (k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'examples') stack.push(sub);
    }
  }
  return spec;
}
