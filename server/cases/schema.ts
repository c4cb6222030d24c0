/** TypeBox schemas (plain JSON Schema at run time) of the case routes; their static types are the routes' inputs. */
import Type from 'typebox';
import { CATEGORY_KEY_PATTERN } from '../categories/catalog.js';
import { CRS_NAMES } from '../geo/crs.js';
import { Defaulted } from '../http/types.js';
import { CHANNELS } from './intake.js';
import { ACTION_NAMES, STATES } from './workflow.js';

const lonLat = { lon: Type.Number({ minimum: -180, maximum: 180 }), lat: Type.Number({ minimum: -90, maximum: 90 }) };

export const REPORT_SCHEMA = Type.Object(
  {
    channel: Type.Enum(CHANNELS, { type: 'string' }),
    category: Type.Optional(
      Type.String({
        pattern: CATEGORY_KEY_PATTERN,
        description: 'kind:code, e.g. matter:06010 (legacy 4-digit codes accepted)',
      }),
    ),
    description: Type.String({ minLength: 1, maxLength: 2000 }),
    // crs defaults to wgs84 over HTTP; intakeCase() takes the same default for callers that leave it out.
    location: Type.Optional(
      Type.Object(
        { ...lonLat, crs: Type.Optional(Type.Enum(CRS_NAMES, { type: 'string', default: 'wgs84' })) },
        {
          additionalProperties: false,
          description: "where the problem is; may be left out when 'component_code' names a component with a position",
        },
      ),
    ),
    condition: Type.Optional(Type.String({ maxLength: 100, description: '立案条件, e.g. 缺失' })),
    address: Type.Optional(Type.String({ maxLength: 256 })),
    component_code: Type.Optional(
      Type.String({ pattern: '^[0-9]{16,17}$', description: 'a 16- or 17-digit component code' }),
    ),
    photos: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { maxItems: 20 })),
    reporter: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String({ maxLength: 100 })),
          phone: Type.Optional(Type.String({ maxLength: 40 })),
        },
        { additionalProperties: false },
      ),
    ),
    client_time: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const ID = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** The queues' category filter (also the hot spot analysis's): kind:code (5 digits) or kind:major (2 digits). */
export const CATEGORY_FILTER = Type.String({
  pattern: '^(component|matter):([0-9]{2}|[0-9]{5})$',
  description: 'kind:code (5 digits) or kind:major (2 digits)',
});

/** The queue's (and the heat map's) query parameters; they differ in the page size. */
export const caseQuery = (limit: { maximum: number; default: number }) =>
  Type.Object(
    {
      state: Type.Optional(
        Type.String({
          pattern: `^(${STATES.join('|')})(,(${STATES.join('|')}))*$`,
          description: 'comma-separated states',
        }),
      ),
      department: Type.Optional(Type.String({ maxLength: 40 })),
      overdue: Type.Optional(Type.Boolean()),
      bbox: Type.Optional(Type.String({ description: 'west,south,east,north in degrees' })),
      category: Type.Optional(CATEGORY_FILTER),
      channel: Type.Optional(Type.Enum(CHANNELS, { type: 'string' })),
      from: Type.Optional(Type.String({ format: 'date-time' })),
      to: Type.Optional(Type.String({ format: 'date-time' })),
      outside_coverage: Type.Optional(Type.Boolean()),
      needs_location: Type.Optional(
        Type.Boolean({ description: 'true: reports whose address could not be placed (待定位), for a dispatcher' }),
      ),
      limit: Defaulted(Type.Integer({ minimum: 1, ...limit })),
      cursor: Type.Optional(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  );
export const CASE_QUERY = caseQuery({ maximum: 500, default: 50 });
export const HEAT_QUERY = caseQuery({ maximum: 200000, default: 50000 });

export const ACTION_BODY = Type.Object(
  {
    action: Type.Enum(ACTION_NAMES, { type: 'string' }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    department_code: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  },
  { additionalProperties: false },
);
