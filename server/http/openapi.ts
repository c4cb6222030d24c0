/** OpenAPI 3.1 document built from the same route declarations and ajv schemas that validate requests. */
import { rolesWith } from '../auth/policy.js';
import type { RouteSpec } from './api.js';
import type { JsonSchema } from './validate.js';

const problem = {
  description: 'RFC 9457 problem details',
  content: {
    'application/problem+json': {
      schema: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          instance: { type: 'string' },
          errors: {
            type: 'array',
            items: { type: 'object', properties: { location: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
    },
  },
};

function parameters(spec: object | undefined, where: 'query' | 'path') {
  if (!spec) return [];
  const schema = spec as JsonSchema;
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    description: s.description,
    schema: s,
  }));
}

export function openApiDocument(specs: RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const s of specs) {
    const p = s.path.replace(/:([A-Za-z_]+)(\([^)]*\))?/g, '{$1}');
    const op: Record<string, unknown> = {
      tags: [s.tag],
      summary: s.summary,
      description: s.description,
      operationId: `${s.method}${p.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: [...parameters(s.params, 'path'), ...parameters(s.query, 'query')],
      responses: {
        200: { description: 'OK', content: { [s.produces ?? 'application/json']: { schema: s.response ?? {} } } },
        400: problem,
        ...Object.fromEntries(Object.entries(s.errors ?? {}).map(([k, d]) => [k, { ...problem, description: d }])),
        ...(s.permission
          ? {
              401: { ...problem, description: 'no or unknown bearer token' },
              403: {
                ...problem,
                description: `role not in ${rolesWith(s.permission).join(', ')} or region out of scope`,
              },
            }
          : {}),
        ...(s.method === 'patch' || s.method === 'put' || s.method === 'delete'
          ? {
              412: {
                ...problem,
                description:
                  'If-Match names an old version (someone else changed it); the answer gives the current one',
              },
            }
          : {}),
      },
    };
    if (s.permission) {
      op.security = [{ bearer: [] }];
      op['x-permission'] = s.permission;
      op['x-roles'] = rolesWith(s.permission);
    }
    if (s.body) op.requestBody = { required: true, content: { 'application/json': { schema: s.body } } };
    (paths[p] ??= {})[s.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'wangge API',
      version,
      description: 'Unit grids, regions, vector tiles and (later) cases for digital urban management.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
