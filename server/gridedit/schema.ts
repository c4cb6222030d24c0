/** TypeBox schemas (and input types) of the boundary edits and drafts. */
import Type from 'typebox';

const GRID_CODE = Type.String({ pattern: '^[0-9]{15}$', description: 'a 15-digit unit-grid code' });
const COMMUNITY_CODE = Type.String({ pattern: '^[0-9]{12}$', description: 'a 12-digit community code' });
const NAME = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const POSITION = Type.Tuple(
  [Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })],
  {
    description: '[lon, lat], WGS84/CGCS2000 degrees',
  },
);
const RING = Type.Array(POSITION, { minItems: 4, maxItems: 10000 });

export const gridParams = Type.Object({ code: GRID_CODE }, { additionalProperties: false });
export const draftParams = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) },
  { additionalProperties: false },
);

export const editQuery = Type.Object(
  {
    draft: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2 ** 53 - 1,
        description: 'add the edit to this draft (If-Match: the draft ETag) instead of publishing it at once',
      }),
    ),
  },
  { additionalProperties: false },
);

export const splitBody = Type.Object(
  {
    line: Type.Object(
      { type: Type.Literal('LineString'), coordinates: Type.Array(POSITION, { minItems: 2, maxItems: 1000 }) },
      {
        additionalProperties: false,
        description: 'a GeoJSON LineString drawn across the grid, from outside to outside',
      },
    ),
    names: Type.Optional(
      Type.Array(NAME, { minItems: 2, maxItems: 50, description: 'names of the pieces, north to south' }),
    ),
  },
  { additionalProperties: false },
);

export const mergeBody = Type.Object(
  {
    with: Type.Array(GRID_CODE, {
      minItems: 1,
      maxItems: 50,
      description: 'the adjacent grids (same community) to merge in',
    }),
    name: Type.Optional(NAME),
  },
  { additionalProperties: false },
);

export const reshapeBody = Type.Object(
  {
    action: Type.Enum(['move', 'add', 'delete'], { type: 'string' }),
    at: POSITION,
    to: Type.Optional(POSITION),
  },
  { additionalProperties: false },
);

export const retireBody = Type.Object(
  { to: Type.String({ pattern: '^[0-9]{15}$', description: 'the neighbouring grid that takes the area' }) },
  { additionalProperties: false },
);

export const createBody = Type.Object(
  {
    community_code: COMMUNITY_CODE,
    name: NAME,
    geometry: Type.Union([
      Type.Object(
        { type: Type.Literal('Polygon'), coordinates: Type.Array(RING, { minItems: 1, maxItems: 100 }) },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          type: Type.Literal('MultiPolygon'),
          coordinates: Type.Array(Type.Array(RING, { minItems: 1, maxItems: 100 }), { minItems: 1, maxItems: 100 }),
        },
        { additionalProperties: false },
      ),
    ]),
  },
  { additionalProperties: false },
);

export const patchBody = Type.Object(
  {
    name: Type.Optional(NAME),
    community_code: Type.Optional(COMMUNITY_CODE),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    description: 'either a new name or a new community',
  },
);

export const draftBody = Type.Object({ name: NAME }, { additionalProperties: false });

export const regionParams = Type.Object(
  {
    code: Type.String({
      pattern: '^([0-9]{6}|[0-9]{9}|[0-9]{12})$',
      description: 'a district, street or community code',
    }),
  },
  { additionalProperties: false },
);

export const regionPatchBody = Type.Object(
  {
    name: Type.Optional(NAME),
    street_code: Type.Optional(
      Type.String({
        pattern: '^[0-9]{9}$',
        description: 'move this community to a neighbouring street (it gets a code there)',
      }),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    description: 'either a new name or (a community) a new street',
  },
);

export const newStreetBody = Type.Object(
  {
    level: Type.Literal('street'),
    district_code: Type.String({ pattern: '^[0-9]{6}$' }),
    name: NAME,
    communities: Type.Array(COMMUNITY_CODE, {
      minItems: 1,
      maxItems: 200,
      description: 'the communities that form it',
    }),
  },
  { additionalProperties: false },
);
