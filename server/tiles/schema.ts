/** ajv schemas of the tile routes. */
import type { JsonSchema } from '../http/validate.js';
import { layerIds } from './layers.js';
import { MAX_ZOOM } from './tilemath.js';

const layer: JsonSchema = { type: 'string', description: `tile layer: ${layerIds().join(', ')}` };

export const layerParams: JsonSchema = {
  type: 'object',
  properties: { layer },
  required: ['layer'],
};

export const tileParams: JsonSchema = {
  type: 'object',
  properties: {
    layer,
    z: { type: 'integer', minimum: 0, maximum: MAX_ZOOM, description: `zoom, an integer 0–${MAX_ZOOM}` },
    x: { type: 'integer', minimum: 0, description: 'tile column, 0 … 2^z − 1 (west → east)' },
    y: { type: 'integer', minimum: 0, description: 'tile row, 0 … 2^z − 1 (north → south, XYZ scheme)' },
  },
  required: ['layer', 'z', 'x', 'y'],
};

export const tileQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    v: {
      type: 'integer',
      minimum: 0,
      description:
        'layer version from the TileJSON `tiles` URL; when it is the current version the tile may be cached for long',
    },
  },
};

export interface TileParams {
  layer: string;
  z: number;
  x: number;
  y: number;
}
export interface TileQuery {
  v?: number;
}
export interface LayerParams {
  layer: string;
}

/** TileJSON response, for the OpenAPI document. */
export const tileJsonResponse: JsonSchema = {
  type: 'object',
  required: ['tilejson', 'tiles', 'vector_layers', 'minzoom', 'maxzoom', 'bounds', 'center'],
  properties: {
    tilejson: { const: '3.0.0' },
    name: { type: 'string' },
    description: { type: 'string' },
    scheme: { const: 'xyz' },
    tiles: { type: 'array', items: { type: 'string', format: 'uri' } },
    minzoom: { type: 'integer' },
    maxzoom: { type: 'integer' },
    bounds: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
    center: { type: 'array', items: { type: 'number' }, minItems: 3, maxItems: 3 },
    vector_layers: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          description: { type: 'string' },
          minzoom: { type: 'integer' },
          maxzoom: { type: 'integer' },
          fields: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  },
};
