/** TypeBox schemas (plain JSON Schema at run time) and the input types of the component census API. */
import Type, { type Static } from 'typebox';
import { Defaulted, Nullable } from '../http/types.js';
import { DEPT_CODE } from '../responsibility/common.js';
import { STATUSES } from './fields.js';
import { ENCODINGS } from '../files/text.js';

export const MAX_PAGE = 1000;
export const COMPONENT_CODE = () =>
  Type.String({ pattern: '^[0-9]{16,17}$', description: '17 digits (GB/T 47678.5) or 16 (CJ/T 214)' });
const CLASS = (description = 'a 5-digit component class of GB/T 47678.5 表A.1') =>
  Type.String({ pattern: '^[0-9]{5}$', description });
const BBOX = Type.String({
  pattern: '^\\s*-?[0-9.]+(e-?[0-9]+)?\\s*(,\\s*-?[0-9.]+(e-?[0-9]+)?\\s*){3}$',
  description: 'minLon,minLat,maxLon,maxLat (WGS84/CGCS2000 degrees)',
});
const DATE = (description: string) => Nullable(Type.String({ format: 'date', description }));

export const codeParams = Type.Object({ code: COMPONENT_CODE() });

export const listQuery = Type.Object(
  {
    bbox: Type.Optional(BBOX),
    class: Type.Optional(CLASS()),
    major: Type.Optional(Type.String({ pattern: '^[0-9]{2}$', description: 'a 2-digit major class (大类)' })),
    grid: Type.Optional(Type.String({ pattern: '^[0-9]{15}$', description: 'the unit grid (derived from position)' })),
    community: Type.Optional(Type.String({ pattern: '^[0-9]{12}$', description: 'a 12-digit community code' })),
    street: Type.Optional(Type.String({ pattern: '^[0-9]{9}$', description: 'a 9-digit street code' })),
    status: Type.Optional(Type.Enum([...STATUSES], { type: 'string', description: 'component status' })),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 50, description: 'part of the code or the name (case-insensitive)' }),
    ),
    limit: Defaulted(
      Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100, description: `page size, 1–${MAX_PAGE}` }),
    ),
    cursor: Type.Optional(COMPONENT_CODE()),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof listQuery>;

const location = Nullable(
  Type.Object(
    { lon: Type.Number({ minimum: -180, maximum: 180 }), lat: Type.Number({ minimum: -90, maximum: 90 }) },
    { additionalProperties: false },
  ),
  { description: 'WGS84 {lon, lat}, or null' },
);
const deptCode = (description: string) => Type.Optional(Nullable(Type.String({ pattern: DEPT_CODE }), { description }));
const text = (max: number, description: string) => Type.Optional(Type.String({ maxLength: max, description }));

const fields = {
  class: CLASS(),
  name: text(100, '管理部件名称'),
  owner_code: deptCode('主管部门代码: a department of this platform, or null'),
  owner_name: text(100, '主管部门名称 (default: the department’s name)'),
  title_code: deptCode('权属单位代码, or null'),
  title_name: text(100, '权属单位名称'),
  maintainer_code: deptCode('养护单位代码, or null'),
  maintainer_name: text(100, '养护单位名称'),
  status: Type.Optional(Type.Enum([...STATUSES], { type: 'string', description: '管理部件状态' })),
  initial_date: Type.Optional(DATE('初始日期 YYYY-MM-DD')),
  change_date: Type.Optional(DATE('变更日期 YYYY-MM-DD')),
  data_source: text(50, '数据来源 (实测, 地形图, …)'),
  note: text(500, '备注'),
  accuracy: Type.Optional(Nullable(Type.Enum(['A', 'B', 'C'], { type: 'string' }), { description: '定位精度 A/B/C' })),
  photos: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 20 })),
  extras: Type.Optional(
    Type.Record(Type.String({ maxLength: 50 }), Type.String({ maxLength: 500 }), {
      maxProperties: 50,
      description: 'local attributes beyond the standard',
    }),
  ),
  location: Type.Optional(location),
};

export const createBody = Type.Object(
  {
    code: Type.Optional(COMPONENT_CODE()),
    ...fields,
  },
  { additionalProperties: false },
);
export const patchBody = Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 });
export type ComponentInput = Static<typeof patchBody>;

export const statsQuery = Type.Object(
  {
    level: Type.Enum(['street', 'community', 'grid'], { type: 'string', description: 'rows per region of this level' }),
    format: Defaulted(Type.Enum(['json', 'csv'], { type: 'string', default: 'json' })),
  },
  { additionalProperties: false },
);

export const importQuery = Type.Object(
  {
    format: Type.Optional(Type.Enum(['csv', 'xlsx', 'geojson', 'shapefile'], { type: 'string' })),
    encoding: Type.Optional(Type.Enum([...ENCODINGS], { type: 'string', description: 'CSV text encoding' })),
    crs: Type.Optional(Type.String({ maxLength: 20, description: 'wgs84, cgcs2000, gcj02, bd09 or EPSG:4513–4554' })),
    name: Type.Optional(Type.String({ maxLength: 200, description: 'the file name (for the format and the audit)' })),
    async: Defaulted(
      Type.Boolean({ default: false, description: 'answer 202 with a job to poll instead of waiting for the import' }),
    ),
  },
  { additionalProperties: false },
);
