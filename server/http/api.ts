/**
 * The route pipeline: validate → authenticate/authorize → call → present. Every route is declared with its
 * ajv schemas; the same declarations produce /api/openapi.json.
 */
import Router from '@koa/router';
import type Koa from 'koa';
import type { Kysely } from 'kysely';
import type { DB, Role } from '../db/schema.js';
import { findUserByToken, type User } from '../auth/tokens.js';
import { readJson } from './body.js';
import { forbidden, unauthorized } from './problem.js';
import { check, type JsonSchema } from './validate.js';

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Koa-router path, e.g. /api/grids/:code */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  params?: JsonSchema;
  query?: JsonSchema;
  body?: JsonSchema;
  /** Roles allowed; when set, a bearer token is required. Reads without roles follow PUBLIC_READ. */
  roles?: Role[];
  /** Response media type for the 200 (default application/json). */
  produces?: string;
  /** Schema of the success response, for the OpenAPI document. */
  response?: JsonSchema;
  /** Largest accepted body for this route (default: BODY_LIMIT_MB). */
  bodyLimitBytes?: number;
  /** Extra documented statuses, e.g. { 404: 'unknown code' }. */
  errors?: Record<number, string>;
}

// Handlers cast their ajv-validated input to the route's own type; typing it from the schemas is left to issue 7 §5.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Input<Q = any, P = any, B = any> {
  query: Q;
  params: P;
  body: B;
  user: User | undefined;
}

export type Handler = (ctx: Koa.Context, input: Input) => Promise<void> | void;

export interface ApiOptions {
  db: Kysely<DB>;
  publicRead: boolean;
  bodyLimitBytes: number;
}

export class Api {
  readonly router = new Router();
  readonly specs: RouteSpec[] = [];
  constructor(private opts: ApiOptions) {}

  route(spec: RouteSpec, handler: Handler): void {
    this.specs.push(spec);
    this.router[spec.method](spec.path, async (ctx) => {
      const user = await this.authenticate(ctx);
      const isRead = spec.method === 'get';
      if (spec.roles) {
        if (!user) throw unauthorized(`${spec.method.toUpperCase()} ${spec.path} needs a bearer token (Authorization: Bearer …)`);
        if (!spec.roles.includes(user.role) && user.role !== 'admin') {
          throw forbidden(`role '${user.role}' may not do this; allowed roles: ${spec.roles.join(', ')}`);
        }
      } else if (isRead && !this.opts.publicRead && !user) {
        throw unauthorized('this server requires a bearer token for reads (PUBLIC_READ=false)');
      }
      const params = spec.params ? check(spec.params, { ...ctx.params }, 'path') : ctx.params;
      const query = spec.query ? check(spec.query, { ...ctx.query }, 'query') : ctx.query;
      let body: unknown;
      if (spec.body) body = check(spec.body, await readJson(ctx, spec.bodyLimitBytes ?? this.opts.bodyLimitBytes), 'body');
      await handler(ctx, { query, params, body, user });
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
