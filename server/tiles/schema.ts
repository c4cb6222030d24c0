/** TypeBox schemas (plain JSON Schema at run time) of the tile routes. */
import Type from 'typebox';
import { layerIds } from './layers.js';
import { MAX_ZOOM } from './tilemath.js';

const layer = Type.String({ description: `tile layer: ${layerIds().join(', ')}` });

export const layerParams = Type.Object({ layer });

export const tileParams = Type.Object({
  layer,
  z: Type.Integer({ minimum: 0, maximum: MAX_ZOOM, description: `zoom, an integer 0–${MAX_ZOOM}` }),
  x: Type.Integer({ minimum: 0, description: 'tile column, 0 … 2^z − 1 (west → east)' }),
  y: Type.Integer({ minimum: 0, description: 'tile row, 0 … 2^z − 1 (north → south, XYZ scheme)' }),
});

export const tileQuery = Type.Object(
  {
    v: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'layer version from the TileJSON `tiles` URL; when it is the current version the tile may be cached for long',
      }),
    ),
  },
  { additionalProperties: false },
);

const constant = <T extends string>(value: T) => Type.Unsafe<T>({ const: value });
const numbers = (n: number) => Type.Array(Type.Number(), { minItems: n, maxItems: n });

/** TileJSON response, for the OpenAPI document. */
export const tileJsonResponse = Type.Object({
  tilejson: constant('3.0.0'),
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  scheme: Type.Optional(constant('xyz')),
  tiles: Type.Array(Type.String({ format: 'uri' })),
  vector_layers: Type.Array(
    Type.Object({
      id: Type.Optional(Type.String()),
      description: Type.Optional(Type.String()),
      minzoom: Type.Optional(Type.Integer()),
      maxzoom: Type.Optional(Type.Integer()),
      fields: Type.Optional(
        Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' } }),
      ),
    }),
  ),
  minzoom: Type.Integer(),
  maxzoom: Type.Integer(),
  bounds: numbers(4),
  center: numbers(3),
});
