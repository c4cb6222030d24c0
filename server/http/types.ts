/**
 * Small TypeBox helpers for request schemas. TypeBox schemas are plain JSON Schema at run time (ajv validates them;
 * the OpenAPI document shows them), and `Static<typeof schema>` is the type a handler receives. Never spread a
 * TypeBox schema (`{ ...X, description }` drops its markers): pass options to the Type call, or use these helpers.
 */
import Type, { type Static, type TSchema, type TUnsafe } from 'typebox';

/** `schema` or null, written as JSON Schema `type: [t, 'null']` (the form the OpenAPI document has always shown). */
export function Nullable<T extends TSchema>(
  schema: T,
  options: Record<string, unknown> = {},
): TUnsafe<Static<T> | null> {
  const json = schema as unknown as Record<string, unknown>;
  return Type.Unsafe<Static<T> | null>({ ...json, type: [json.type, 'null'], ...options });
}

/**
 * An optional field with a `default`: absent from `required`, yet always present in what the handler gets, because
 * ajv fills defaults in (useDefaults, server/http/validate.ts). Typed as the bare schema for that reason.
 */
export function Defaulted<T extends TSchema>(schema: T): T {
  if (!('default' in schema)) throw new Error('Defaulted() needs a schema with a default');
  return Type.Optional(schema) as unknown as T;
}

/** The path of a row with an int4 serial id: /…/:id. */
export const idParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
