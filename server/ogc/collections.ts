/**
 * The registry of OGC API – Features collections. One entry drives everything about a collection: its entry in
 * /ogc/collections, the SQL of its items (server/ogc/queries.ts), its parameters in the OpenAPI service description
 * (server/ogc/openapi.ts) and the bench. Adding a collection is one entry.
 *
 * A collection reads the rows of `from` (alias `t`) that satisfy `where`; `geom` is their geometry in EPSG:4326
 * (lon/lat, CGCS2000 and WGS84 being the same numbers here, see server/geo/crs.ts). Features are ordered by `key`
 * (keyset paging: the `next` link names the last feature of the page). Properties are SQL expressions; property
 * filters are equality tests on indexed columns.
 *
 * Time (the `datetime` parameter):
 * - 'validity': a row is valid from `start` (inclusive) to `end` (exclusive: 终止日期, or inclusive for rules' valid_to);
 *   null ends are open. `current` rows are what a request without `datetime` sees (e.g. live grids: terminated
 *   versions are reached with `datetime`, which is how the grids' history is read).
 * - 'instant': one timestamp per feature (cases: reported_at).
 * Collections without `temporal` refuse `datetime` (400).
 */
import { sql, type RawBuilder } from 'kysely';
import type { FeatureKey, OgcCollection, OgcFilter, OgcProperty, Temporal } from './types.js';

export type { FeatureKey, KeyColumn, OgcCollection, OgcFilter, OgcProperty, PropertyType, Temporal } from './types.js';

const CODE = (digits: number) => `^[0-9]{${digits}}$`;
const SHORT_TEXT = '^[^\\u0000-\\u001f]{1,100}$';
const INT4_MAX = 2147483647;

/** A date column: JSON renders dates as YYYY-MM-DD whatever the DateStyle (cheaper than to_char). */
const date = (expr: RawBuilder<unknown>) => expr;
const utc = (expr: RawBuilder<unknown>) => sql`to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/** Rows that carry a version (regions, unit grids): feature id `{code}-v{version}`; a bare code names the live row. */
function versionedKey(digits: number, codeType: 'text' | 'bpchar'): FeatureKey {
  const fid = new RegExp(`^([0-9]{${digits}})-v([0-9]{1,9})$`);
  const bare = new RegExp(CODE(digits));
  return {
    columns: [
      { sql: sql`t.code`, kind: 'text', type: codeType },
      { sql: sql`t.version`, kind: 'int', type: 'bigint', max: INT4_MAX },
    ],
    fid: sql`t.code::text || '-v' || t.version`,
    parse(s) {
      const m = fid.exec(s);
      return m && Number(m[2]) <= INT4_MAX ? [m[1], Number(m[2])] : undefined;
    },
    alias: (s) => (bare.test(s) ? sql<boolean>`t.code = ${s} and t.termination_date is null` : undefined),
  };
}

/** An integer primary key `t.id`: the feature id is the number. */
function idKey(max: number): FeatureKey {
  return {
    columns: [{ sql: sql`t.id`, kind: 'int', type: 'bigint', max }],
    fid: sql`t.id::text`,
    parse(s) {
      if (!/^[1-9][0-9]{0,18}$/.test(s) || Number(s) > max) return undefined;
      return [Number(s)];
    },
  };
}

const validityOfRows: Temporal = {
  kind: 'validity',
  start: sql`t.initial_date`,
  end: sql`t.termination_date`,
  endExclusive: true,
  current: sql<boolean>`t.termination_date is null`,
  description:
    'the validity period initial_date … termination_date (启用日期 … 终止日期, the end day excluded); ' +
    'without datetime only live rows are returned, with it every version valid at some time in it',
};

const versionProps = {
  area_m2: {
    sql: sql`round(t.area_m2 * 10) / 10`,
    type: 'number',
    description: 'area in m², to 0.1 m²',
  },
  initial_date: { sql: date(sql`t.initial_date`), type: 'date', description: 'first day of this version (启用日期)' },
  termination_date: {
    sql: date(sql`t.termination_date`),
    type: 'date',
    description: 'first day this version no longer holds (终止日期); null while live',
  },
  version: { sql: sql`t.version`, type: 'integer', description: "the code's version (1, 2, … across its rows)" },
} satisfies Record<string, OgcProperty>;

function regionCollection(
  id: string,
  level: 'district' | 'street' | 'community',
  title: string,
  digits: number,
  filters: Record<string, OgcFilter>,
): OgcCollection {
  return {
    id,
    title,
    description: `${title}: the ${digits}-digit ${level} boundaries of the region hierarchy (GB/T 2260 and local codes)`,
    from: sql`region t`,
    where: sql<boolean>`t.level = ${level}`,
    geom: sql`t.geom`,
    geometryType: 'polygon',
    key: versionedKey(digits, 'text'),
    properties: {
      code: { sql: sql`t.code`, type: 'string', description: `${digits}-digit ${level} code` },
      name: { sql: sql`t.name`, type: 'string', description: `${level} name` },
      ...(level === 'district'
        ? {}
        : { parent_code: { sql: sql`t.parent_code`, type: 'string', description: 'code of the parent region' } }),
      ...versionProps,
    },
    filters: { code: { sql: sql`t.code`, description: `the ${level} code`, pattern: CODE(digits) }, ...filters },
    temporal: validityOfRows,
  };
}

/** Rows of the live regions and unit grids named by `t.area_codes` (a rule or zone over regions or grids). */
const namedAreas = (cols: string) => sql`select ${sql.raw(cols)} from region r
    where r.code = any(t.area_codes) and r.termination_date is null
  union all select ${sql.raw(cols)} from unit_grid r
    where r.code = any(t.area_codes::bpchar[]) and r.termination_date is null`;

/** A drawn polygon, or the union of the named regions and grids. */
const areaGeom = sql`coalesce(t.area_geom, (select ST_Multi(ST_Union(x.geom)) from (${namedAreas('r.geom')}) x))`;

/** The area intersects the envelope: the drawn polygon, or any of the named regions and grids (through their indexes). */
const areaIntersects = (env: RawBuilder<unknown>) => sql<boolean>`(case when t.area_geom is not null
    then t.area_geom && ${env} and ST_Intersects(t.area_geom, ${env})
    else exists (select 1 from (${namedAreas('r.geom')}) x where x.geom && ${env} and ST_Intersects(x.geom, ${env})) end)`;

const caseStateLabel = sql`case t.state when 'reported' then '上报' when 'verifying' then '待核实'
  when 'accepted' then '已受理' when 'filed' then '已立案' when 'dispatched' then '处置中' when 'parked' then '已挂账'
  when 'disposed' then '已处置' when 'checked' then '已核查' else t.state end`;

export const OGC_COLLECTIONS: readonly OgcCollection[] = [
  regionCollection('districts', 'district', 'Districts (区县)', 6, {}),
  regionCollection('streets', 'street', 'Streets and towns (街道/镇)', 9, {
    parent_code: { sql: sql`t.parent_code`, description: 'the 6-digit district code', pattern: CODE(6) },
  }),
  regionCollection('communities', 'community', 'Communities (社区/村)', 12, {
    parent_code: { sql: sql`t.parent_code`, description: 'the 9-digit street code', pattern: CODE(9) },
    district_code: { sql: sql`t.district_code`, description: 'the 6-digit district code', pattern: CODE(6) },
  }),
  {
    id: 'grids',
    title: 'Unit grids (单元网格)',
    description:
      'Unit grids (单元网格, GB/T 30428.1): live rows by default; `datetime` reaches terminated versions (the history ' +
      'of split, merged, reshaped and retired grids)',
    from: sql`unit_grid t`,
    where: sql<boolean>`true`,
    geom: sql`t.geom`,
    geometryType: 'polygon',
    key: versionedKey(15, 'bpchar'),
    properties: {
      code: { sql: sql`t.code::text`, type: 'string', description: '15-digit unit-grid code' },
      name: { sql: sql`t.name`, type: 'string', description: 'grid name' },
      community_code: { sql: sql`t.community_code::text`, type: 'string', description: '12-digit community code' },
      street_code: { sql: sql`t.street_code::text`, type: 'string', description: '9-digit street code' },
      district_code: { sql: sql`t.district_code::text`, type: 'string', description: '6-digit district code' },
      ...versionProps,
    },
    filters: {
      code: { sql: sql`t.code`, description: 'the 15-digit grid code', pattern: CODE(15) },
      community_code: { sql: sql`t.community_code`, description: 'the 12-digit community code', pattern: CODE(12) },
      street_code: { sql: sql`t.street_code`, description: 'the 9-digit street code', pattern: CODE(9) },
      district_code: { sql: sql`t.district_code`, description: 'the 6-digit district code', pattern: CODE(6) },
    },
    temporal: validityOfRows,
  },
  {
    id: 'components',
    title: 'Components (部件)',
    description:
      'Census components (部件普查) with a position: points, or the line or polygon where the component is one',
    from: sql`component t`,
    where: sql<boolean>`t.geom is not null`,
    geom: sql`t.geom`,
    geometryType: 'mixed',
    key: {
      columns: [{ sql: sql`t.code`, kind: 'text', type: 'text' }],
      fid: sql`t.code`,
      parse: (s) => (/^[0-9]{16,17}$/.test(s) ? [s] : undefined),
    },
    properties: {
      code: { sql: sql`t.code`, type: 'string', description: '16- or 17-digit component code' },
      category_code: { sql: sql`t.category_code::text`, type: 'string', description: '5-digit class (GB/T 47678.5)' },
      name: { sql: sql`t.name`, type: 'string', description: 'component name' },
      status: { sql: sql`t.status`, type: 'string', description: '完好, 破损, 丢失, 废弃 or 移除' },
      owner_code: { sql: sql`t.owner_code`, type: 'string', description: '主管部门 department code' },
      owner_name: { sql: sql`t.owner_name`, type: 'string', description: '主管部门 name' },
      maintainer_code: { sql: sql`t.maintainer_code`, type: 'string', description: '养护单位 department code' },
      maintainer_name: { sql: sql`t.maintainer_name`, type: 'string', description: '养护单位 name' },
      grid_code: { sql: sql`t.grid_code`, type: 'string', description: 'unit grid it lies in' },
      community_code: { sql: sql`t.community_code`, type: 'string', description: 'community it lies in' },
    },
    filters: {
      category_code: { sql: sql`t.category_code`, description: 'the 5-digit class', pattern: CODE(5) },
      status: { sql: sql`t.status`, description: 'the status, e.g. 破损', pattern: SHORT_TEXT },
      grid_code: { sql: sql`t.grid_code`, description: 'the 15-digit grid code', pattern: CODE(15) },
      community_code: { sql: sql`t.community_code`, description: 'the 12-digit community code', pattern: CODE(12) },
    },
    available: sql`exists (select 1 from component where geom is not null)`,
  },
  {
    id: 'rules',
    title: 'Responsibility rules (责权库)',
    description:
      'Responsibility rules with an area (a drawn polygon, or the union of the regions and grids they name; rules ' +
      'that apply anywhere have no geometry and are left out): which department handles which categories there',
    from: sql`resp_rule t left join department d on d.code = t.department_code`,
    where: sql<boolean>`t.area_kind <> 'anywhere'`,
    geom: areaGeom,
    geometryType: 'polygon',
    intersects: areaIntersects,
    key: idKey(INT4_MAX),
    properties: {
      name: { sql: sql`t.name`, type: 'string', description: 'rule name' },
      category_kind: { sql: sql`t.category_kind`, type: 'string', description: 'component, matter or null (both)' },
      category_pattern: { sql: sql`t.category_pattern`, type: 'string', description: '2- or 5-digit code, or *' },
      department_code: { sql: sql`t.department_code`, type: 'string', description: 'responsible department' },
      department_name: { sql: sql`d.name`, type: 'string', description: 'its name' },
      priority: { sql: sql`t.priority`, type: 'integer', description: 'higher wins among equal matches' },
      valid_from: { sql: date(sql`t.valid_from`), type: 'date', description: 'first day (null: always)' },
      valid_to: { sql: date(sql`t.valid_to`), type: 'date', description: 'last day, inclusive (null: open)' },
      area_m2: { sql: sql`round(t.area_m2 * 10) / 10`, type: 'number', description: 'area in m²' },
      area_kind: { sql: sql`t.area_kind`, type: 'string', description: 'polygon (drawn) or regions (named codes)' },
      area_codes: { sql: sql`t.area_codes`, type: 'string[]', description: 'the region and grid codes it names' },
      version: { sql: sql`t.version`, type: 'integer', description: 'version (ETag of the rule)' },
    },
    filters: {
      department_code: { sql: sql`t.department_code`, description: 'the department code', pattern: SHORT_TEXT },
      category_kind: { sql: sql`t.category_kind`, description: 'component or matter', pattern: '^(component|matter)$' },
    },
    temporal: {
      kind: 'validity',
      start: sql`t.valid_from`,
      end: sql`t.valid_to`,
      endExclusive: false,
      description: 'the validity valid_from … valid_to (both days included); without datetime every rule',
    },
  },
  {
    id: 'area-classes',
    title: 'Area classes (区域类别)',
    description:
      'Area-class zones (A core, B, C general): a drawn polygon or the union of the regions and grids they name; ' +
      'places in no zone are class C',
    from: sql`area_class_zone t`,
    where: sql<boolean>`true`,
    geom: areaGeom,
    geometryType: 'polygon',
    intersects: areaIntersects,
    key: idKey(INT4_MAX),
    properties: {
      name: { sql: sql`t.name`, type: 'string', description: 'zone name' },
      class: { sql: sql`t.class::text`, type: 'string', description: 'A, B or C' },
      area_kind: { sql: sql`t.area_kind`, type: 'string', description: 'polygon (drawn) or regions (named codes)' },
      area_codes: { sql: sql`t.area_codes`, type: 'string[]', description: 'the region and grid codes it names' },
      version: { sql: sql`t.version`, type: 'integer', description: 'version (ETag of the zone)' },
    },
    filters: { class: { sql: sql`t.class`, description: 'A, B or C', pattern: '^[ABC]$' } },
  },
  {
    id: 'collector-areas',
    title: 'Collector areas (监督员责任网格)',
    description:
      "Collectors' responsibility areas: the union of their live unit grids (collectors by id only; their names " +
      'and phones are not published here)',
    from: sql`collector_area t`,
    where: sql<boolean>`true`,
    geom: sql`(select ST_Multi(ST_Union(g.geom)) from unit_grid g
                where g.code = any(t.grid_codes::bpchar[]) and g.termination_date is null)`,
    geometryType: 'polygon',
    intersects: (env) => sql<boolean>`exists (select 1 from unit_grid g
      where g.code = any(t.grid_codes::bpchar[]) and g.termination_date is null
        and g.geom && ${env} and ST_Intersects(g.geom, ${env}))`,
    extent: sql`select ST_Extent(g.geom) from unit_grid g where g.termination_date is null
      and g.code in (select unnest(grid_codes)::bpchar from collector_area)`,
    key: idKey(INT4_MAX),
    properties: {
      name: { sql: sql`t.name`, type: 'string', description: 'area name' },
      grid_codes: { sql: sql`t.grid_codes`, type: 'string[]', description: 'its unit grids' },
      grid_count: { sql: sql`cardinality(t.grid_codes)`, type: 'integer', description: 'number of unit grids' },
      collector_ids: { sql: sql`t.collector_ids`, type: 'integer[]', description: 'ids of its collectors' },
      version: { sql: sql`t.version`, type: 'integer', description: 'version (ETag of the area)' },
    },
    filters: {
      grid_code: {
        sql: sql`t.grid_codes`,
        description: 'areas holding this 15-digit grid',
        pattern: CODE(15),
        contains: true,
      },
    },
  },
  {
    id: 'cases',
    title: 'Open cases (案件)',
    description:
      'Open cases (not closed or voided) without personal data: no reporter, description, address, photos or staff ' +
      'names; the same facts as the public cases map layer, with the report time and the grid',
    from: sql`case_record t left join category c on c.kind = t.category_kind and c.code = t.category_code
      left join department d on d.code = t.department_code`,
    where: sql<boolean>`t.closed_at is null and t.state <> 'voided'`,
    geom: sql`t.geom`,
    geometryType: 'point',
    key: idKey(Number.MAX_SAFE_INTEGER),
    properties: {
      case_no: { sql: sql`t.case_no`, type: 'string', description: 'case number' },
      state: { sql: sql`t.state`, type: 'string', description: 'workflow state' },
      state_label: { sql: caseStateLabel, type: 'string', description: 'workflow state in Chinese' },
      category_kind: { sql: sql`t.category_kind`, type: 'string', description: 'component or matter' },
      category_code: { sql: sql`t.category_code::text`, type: 'string', description: '5-digit category' },
      category_name: { sql: sql`c.name`, type: 'string', description: 'category name' },
      channel: { sql: sql`t.channel`, type: 'string', description: 'report channel' },
      reported_at: { sql: utc(sql`t.reported_at`), type: 'date-time', description: 'when it was reported (UTC)' },
      stage_deadline: { sql: utc(sql`t.stage_deadline`), type: 'date-time', description: 'current stage deadline' },
      overdue: {
        sql: sql`coalesce(t.stage_deadline < now(), false)`,
        type: 'boolean',
        description: 'past the current stage deadline',
      },
      department_code: { sql: sql`t.department_code`, type: 'string', description: 'responsible department' },
      department_name: { sql: sql`d.name`, type: 'string', description: 'its name' },
      grid_code: { sql: sql`t.grid_code`, type: 'string', description: 'unit grid (null outside coverage)' },
      community_code: { sql: sql`t.community_code`, type: 'string', description: 'community' },
      street_code: { sql: sql`t.street_code`, type: 'string', description: 'street' },
      area_class: { sql: sql`t.area_class::text`, type: 'string', description: 'area class A, B or C' },
      outside_coverage: { sql: sql`t.outside_coverage`, type: 'boolean', description: 'outside every unit grid' },
    },
    filters: {
      state: { sql: sql`t.state`, description: 'the workflow state', pattern: '^[a-z]{1,20}$' },
      department_code: { sql: sql`t.department_code`, description: 'the department code', pattern: SHORT_TEXT },
      grid_code: { sql: sql`t.grid_code`, description: 'the 15-digit grid code', pattern: CODE(15) },
      community_code: { sql: sql`t.community_code`, description: 'the 12-digit community code', pattern: CODE(12) },
      street_code: { sql: sql`t.street_code`, description: 'the 9-digit street code', pattern: CODE(9) },
      category_code: { sql: sql`t.category_code`, description: 'the 5-digit category', pattern: CODE(5) },
    },
    temporal: { kind: 'instant', at: sql`t.reported_at`, description: 'the report time reported_at' },
  },
];

const byId = new Map(OGC_COLLECTIONS.map((c) => [c.id, c]));

export function findCollection(id: string): OgcCollection | undefined {
  return byId.get(id);
}

export function collectionIds(): string[] {
  return OGC_COLLECTIONS.map((c) => c.id);
}
