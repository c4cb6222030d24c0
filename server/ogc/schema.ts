/** TypeBox schemas (plain JSON Schema at run time) of the OGC API – Features routes. */
import Type from 'typebox';
import { Defaulted } from '../http/types.js';
import { collectionIds } from './collections.js';
import { CRS_LIST, DEFAULT_LIMIT, MAX_LIMIT, STORAGE_CRS } from './params.js';

const F = Type.Optional(
  Type.Enum(['json', 'geojson'], { type: 'string', description: 'output format: json (GeoJSON for features)' }),
);
const CRS = (what: string) =>
  Type.Optional(Type.Enum([...CRS_LIST], { type: 'string', description: `${what} (default ${STORAGE_CRS}, lon/lat)` }));

/** Landing page, conformance, collections: only `f`. */
export const plainQuery = Type.Object({ f: F }, { additionalProperties: false });

export const collectionParams = Type.Object({
  collectionId: Type.String({ description: `collection: ${collectionIds().join(', ')}` }),
});

export const itemParams = Type.Object({
  collectionId: Type.String({ description: `collection: ${collectionIds().join(', ')}` }),
  featureId: Type.String({ description: 'feature id (grids and regions: {code}-v{version}, or a code: its live row)' }),
});

/**
 * Items: the parameters every collection takes; a collection's property filters (e.g. community_code on grids) are
 * further parameters, checked against the registry by the handler (unknown ones are a 400 there).
 */
export const itemsQuery = Type.Object(
  {
    f: F,
    limit: Defaulted(
      Type.Integer({
        minimum: 1,
        maximum: MAX_LIMIT,
        default: DEFAULT_LIMIT,
        description: `features per page, 1–${MAX_LIMIT} (default ${DEFAULT_LIMIT})`,
      }),
    ),
    bbox: Type.Optional(
      Type.String({ description: '4 (or 6) comma-separated numbers in the axis order of bbox-crs', maxLength: 400 }),
    ),
    'bbox-crs': CRS('CRS of bbox'),
    datetime: Type.Optional(
      Type.String({ description: 'instant or interval start/end with ".." open ends', maxLength: 200 }),
    ),
    crs: CRS('CRS of the output'),
    after: Type.Optional(Type.String({ description: 'page after this feature id (next link)', maxLength: 100 })),
    before: Type.Optional(Type.String({ description: 'page before this feature id (prev link)', maxLength: 100 })),
  },
  { additionalProperties: true },
);

export const itemQuery = Type.Object({ f: F, crs: CRS('CRS of the output') }, { additionalProperties: false });
