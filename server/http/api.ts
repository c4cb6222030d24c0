/**
 * The route pipeline: validate → authenticate/authorize → call → present. Every route is declared with its
 * ajv schemas; the same declarations produce /api/openapi.json.
 */
import Router from '@koa/router';
import type Koa from 'koa';
import type { Kysely } from 'kysely';
import type { Static, TSchema } from 'typebox';
import type { DB } from '../db/schema.js';
import { findUserByToken, type User } from '../auth/tokens.js';
import { etag } from '../db/write.js';
import { requirePermission, type Permission } from '../auth/policy.js';
import { readJson } from './body.js';
import { badRequest, unauthorized } from './problem.js';
import { boundIntegers, checkRequestEdges } from './sanitize.js';
import { check } from './validate.js';

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Koa-router path, e.g. /api/grids/:code */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** TypeBox schemas (plain JSON Schema at run time): the handler's input types are inferred from them. */
  params?: SpecSchema;
  query?: SpecSchema;
  body?: SpecSchema;
  /** The policy permission the route needs (server/auth/policy.ts); when set, a bearer token is required.
   *  Reads without one follow PUBLIC_READ. */
  permission?: Permission;
  /** Roles are decided by the policy module: name a permission instead. */
  roles?: never;
  /** Response media type for the 200 (default application/json). */
  produces?: string;
  /** Schema of the success response, for the OpenAPI document. */
  response?: SpecSchema;
  /** The handler reads and checks the body itself (e.g. off the main thread); `body` only documents it. */
  rawBody?: boolean;
  /** Largest accepted body for this route (default: BODY_LIMIT_MB). */
  bodyLimitBytes?: number;
  /** Extra documented statuses, e.g. { 404: 'unknown code' }. */
  errors?: Record<number, string>;
}

/** A TypeBox schema: its static type is what the handler receives. */
export type SpecSchema = TypeBoxSchema;
type TypeBoxSchema = TSchema & ({ '~kind': string } | { '~unsafe': unknown });

/** What a validated part of the request holds: the schema's static type (after coercion and defaults). */
type Validated<T, Otherwise> = [T] extends [TypeBoxSchema] ? Static<T> : Otherwise;

export interface Input<
  Q = Record<string, unknown>,
  P = Record<string, unknown>,
  B = unknown,
  U extends User | undefined = User | undefined,
> {
  query: Q;
  params: P;
  body: B;
  /** The signed-in user: never undefined on a route that names a permission. */
  user: U;
  /** The strong ETags of an If-Match header ('*' kept as is); undefined when the header is absent. */
  ifMatch: string[] | undefined;
}

/** The user a handler sees: non-null where the route names a permission. */
type UserOf<S extends RouteSpec> = S['permission'] extends Permission ? User : User | undefined;

/** The input of a route's handler, typed from the route's schemas. */
export type InputOf<S extends RouteSpec> = Input<
  Validated<S['query'], Record<string, unknown>>,
  Validated<S['params'], Record<string, unknown>>,
  Validated<S['body'], unknown>,
  UserOf<S>
>;

export type Handler<S extends RouteSpec = RouteSpec> = (ctx: Koa.Context, input: InputOf<S>) => Promise<void> | void;

export interface ApiOptions {
  db: Kysely<DB>;
  publicRead: boolean;
  bodyLimitBytes: number;
}

export class Api {
  readonly router = new Router();
  readonly specs: RouteSpec[] = [];
  constructor(private opts: ApiOptions) {}

  route<S extends RouteSpec>(spec: S, handler: Handler<S>): void {
    this.specs.push(boundIntegers(spec));
    this.router[spec.method](spec.path, async (ctx) => {
      const user = await this.authenticate(ctx);
      const isRead = spec.method === 'get';
      if (spec.permission) {
        requirePermission(user, spec.permission, `${spec.method.toUpperCase()} ${spec.path}`);
      } else if (isRead && !this.opts.publicRead && !user) {
        throw unauthorized('this server requires a bearer token for reads (PUBLIC_READ=false)');
      }
      checkRequestEdges(ctx.params, ctx.query);
      const params = spec.params ? check(spec.params, { ...ctx.params }, 'path') : ctx.params;
      const query = spec.query ? check(spec.query, { ...ctx.query }, 'query') : ctx.query;
      let body: unknown;
      if (spec.body && !spec.rawBody)
        body = check(spec.body, await readJson(ctx, spec.bodyLimitBytes ?? this.opts.bodyLimitBytes), 'body');
      // The one place where validated values meet their static types: check() has just proved them.
      await handler(ctx, {
        query,
        params,
        body,
        user: user as UserOf<S>,
        ifMatch: parseIfMatch(ctx.get('If-Match')),
      } as InputOf<S>);
    });
  }

  private async authenticate(ctx: Koa.Context): Promise<User | undefined> {
    const header = ctx.get('Authorization');
    if (!header) return undefined;
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw unauthorized('the Authorization header must be "Bearer <token>"');
    const user = await findUserByToken(this.opts.db, m[1]);
    if (!user) throw unauthorized('the bearer token is unknown or disabled');
    return user;
  }
}

/** Answers with a versioned resource: its strong ETag (what If-Match names later) and the body. */
export function sendVersioned(ctx: Koa.Context, row: { version: number }, status = 200): void {
  ctx.status = status;
  ctx.set('ETag', etag(row.version));
  ctx.body = row;
}

/** The entity tags of an If-Match header. Weak tags never match (RFC 9110 §13.1.1 uses strong comparison). */
export function parseIfMatch(header: string): string[] | undefined {
  if (!header.trim()) return undefined;
  if (header.trim() === '*') return ['*'];
  const tags = header
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (!tags.every((t) => /^(W\/)?"[\x21\x23-\x7e]*"$/.test(t))) {
    throw badRequest(
      `the If-Match header must be * or a list of entity tags such as "3" (got ${JSON.stringify(header.slice(0, 100))})`,
      { errors: [{ location: 'header.If-Match', message: 'not a list of entity tags' }] },
    );
  }
  return tags.filter((t) => !t.startsWith('W/'));
}
