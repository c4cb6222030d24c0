/** ajv schemas and types for regions, unit grids and point location. */
import type { JsonSchema } from '../http/validate.js';

const code = (len: number, what: string): JsonSchema => ({
  type: 'string',
  pattern: `^[0-9]{${len}}$`,
  description: `a ${len}-digit ${what} code`,
});
export const GRID_CODE = code(15, 'unit-grid');
export const COMMUNITY_CODE = code(12, 'community');
export const REGION_CODE: JsonSchema = {
  type: 'string',
  pattern: '^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$',
  description: 'a 6-digit district, 9-digit street or 12-digit community code',
};

export const BBOX: JsonSchema = {
  type: 'string',
  pattern: '^\\s*-?[0-9.]+(e-?[0-9]+)?\\s*(,\\s*-?[0-9.]+(e-?[0-9]+)?\\s*){3}$',
  description: 'four comma-separated numbers minLon,minLat,maxLon,maxLat (WGS84/CGCS2000 degrees)',
};

export const MAX_PAGE = 1000;

export const regionsQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    level: { type: 'string', enum: ['district', 'street', 'community'], description: 'which level to list' },
    parent: { ...REGION_CODE, description: 'only children of this district/street code' },
    geometry: { type: 'boolean', default: true, description: 'include geometries (default true)' },
  },
  required: ['level'],
};

export const regionParams: JsonSchema = {
  type: 'object',
  properties: { code: { type: 'string' } },
  required: ['code'],
};

export const gridsQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    bbox: BBOX,
    community: COMMUNITY_CODE,
    limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 100, description: `page size, 1–${MAX_PAGE}` },
    cursor: { ...GRID_CODE, description: 'a 15-digit unit-grid code: the `cursor` of the previous page' },
  },
};

export const gridParams: JsonSchema = {
  type: 'object',
  properties: { code: { type: 'string' } },
  required: ['code'],
};

export const locateQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    lon: { type: 'number', minimum: -180, maximum: 180, description: 'longitude, WGS84/CGCS2000 degrees' },
    lat: { type: 'number', minimum: -90, maximum: 90, description: 'latitude, WGS84/CGCS2000 degrees' },
  },
  required: ['lon', 'lat'],
};

export interface GridsQuery {
  bbox?: string;
  community?: string;
  limit: number;
  cursor?: string;
}
export interface LocateQuery {
  lon: number;
  lat: number;
}
export interface RegionsQuery {
  level: 'district' | 'street' | 'community';
  parent?: string;
  geometry: boolean;
}
