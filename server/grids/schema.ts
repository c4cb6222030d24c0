/** TypeBox schemas (plain JSON Schema at run time) and the input types of regions, unit grids and point location. */
import Type from 'typebox';
import { Defaulted } from '../http/types.js';

const code = (len: number, what: string, description = `a ${len}-digit ${what} code`) =>
  Type.String({ pattern: `^[0-9]{${len}}$`, description });
const COMMUNITY_CODE = code(12, 'community');
const REGION_CODE = (description = 'a 6-digit district, 9-digit street or 12-digit community code') =>
  Type.String({ pattern: '^([0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15})$', description });

const BBOX = Type.String({
  pattern: '^\\s*-?[0-9.]+(e-?[0-9]+)?\\s*(,\\s*-?[0-9.]+(e-?[0-9]+)?\\s*){3}$',
  description: 'four comma-separated numbers minLon,minLat,maxLon,maxLat (WGS84/CGCS2000 degrees)',
});

export const MAX_PAGE = 1000;

export const regionsQuery = Type.Object(
  {
    level: Type.Enum(['district', 'street', 'community'], { type: 'string', description: 'which level to list' }),
    parent: Type.Optional(REGION_CODE('only children of this district/street code')),
    geometry: Defaulted(Type.Boolean({ default: true, description: 'include geometries (default true)' })),
  },
  { additionalProperties: false },
);

/** The path of one region or unit grid: the code is checked by codeProblem() for a message that says what is wrong. */
export const codeParams = Type.Object({ code: Type.String() });

export const gridsQuery = Type.Object(
  {
    bbox: Type.Optional(BBOX),
    community: Type.Optional(COMMUNITY_CODE),
    limit: Defaulted(
      Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100, description: `page size, 1–${MAX_PAGE}` }),
    ),
    cursor: Type.Optional(code(15, 'unit-grid', 'a 15-digit unit-grid code: the `cursor` of the previous page')),
    at: Type.Optional(
      Type.String({
        format: 'date',
        description:
          'as of this date (YYYY-MM-DD): the grids valid that day, ended ones included (default: today, live)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const locateQuery = Type.Object(
  {
    lon: Type.Number({ minimum: -180, maximum: 180, description: 'longitude, WGS84/CGCS2000 degrees' }),
    lat: Type.Number({ minimum: -90, maximum: 90, description: 'latitude, WGS84/CGCS2000 degrees' }),
  },
  { additionalProperties: false },
);
