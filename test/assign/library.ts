/**
 * Responsibility libraries for the assignment tests: the hand-made one (every answer known by hand, see
 * assignment.test.ts) and a seeded random one (many overlapping rules, zones, collector areas, components and
 * fallbacks) for the agreement test of assign() and reassignOpenCases().
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../server/db/schema.js';
import { stream, type Rng } from '../../server/demo/prng.js';
import { microCity } from '../fixtures/micro-city.js';

export const D = 0.001;
/** Centre of micro-city cell (col, row). */
export const cell = (c: number, r: number): [number, number] => [100 + (c + 0.5) * D, 20 + (r + 0.5) * D];
/** Longitude / latitude of a (possibly fractional) lattice coordinate; one function so that edges match exactly. */
export const lonOf = (c: number) => 100 + c * D;
export const latOf = (r: number) => 20 + r * D;
export const rect = (c0: number, r0: number, c1: number, r1: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [lonOf(c0), latOf(r0)],
      [lonOf(c1), latOf(r0)],
      [lonOf(c1), latOf(r1)],
      [lonOf(c0), latOf(r1)],
      [lonOf(c0), latOf(r0)],
    ],
  ],
});

export interface Area {
  kind: 'anywhere' | 'polygon' | 'regions';
  codes?: string[];
  geom?: object;
}
export interface RuleSpec {
  name: string;
  kind: string | null;
  pattern: string;
  area: Area;
  dept: string;
  priority?: number;
  validFrom?: string | null;
  validTo?: string | null;
}

const multi = (geom: object) => sql`ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geom)}), 4326))`;

/** Inserts a rule with its area_m2 computed as the library routes do (geodesic polygon area, summed grid areas). */
export async function insertRule(db: Kysely<DB>, r: RuleSpec): Promise<number> {
  const geom = r.area.geom ? multi(r.area.geom) : sql`null`;
  const codes = r.area.codes ?? [];
  const row = await sql<{
    id: number;
  }>`insert into resp_rule (name, category_kind, category_pattern, area_kind, area_codes, area_geom, area_m2, department_code, priority, valid_from, valid_to)
    values (${r.name}, ${r.kind}, ${r.pattern}, ${r.area.kind}, ${codes}::text[], ${geom},
      ${r.area.kind === 'anywhere' ? null : r.area.geom ? sql`ST_Area(${geom}::geography)` : sql`(select sum(g.area_m2) from unit_grid g, unnest(${codes}::text[]) c where g.termination_date is null and left(g.code, length(c)) = c)`},
      ${r.dept}, ${r.priority ?? 0}, ${r.validFrom ?? null}, ${r.validTo ?? null}) returning id`.execute(db);
  return row.rows[0].id;
}

/** The hand-made library of assignment.test.ts; returns the rule ids by name (r1 … r11). */
export async function handMadeLibrary(db: Kysely<DB>): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  await sql`insert into department (code, name, kind, fallback_for) values
    ('CENTER', '监督中心', '监督中心', ''), ('JD1', '湖滨街道办', '街道办', '990001001'), ('JD2', '山前街道办', '街道办', '990001002'),
    ('SZ', '市政', '市政', null), ('HW', '环卫', '环卫', null), ('ZF', '城管执法', '城管执法', null), ('YL', '园林', '园林', null),
    ('DL', '电力', '电力', null), ('TX', '通信', '通信运营商', null), ('JJ', '交警', '交警', null), ('ZF1', '执法一中队', '城管执法', null)`.execute(
    db,
  );
  const rule = async (
    name: string,
    kind: string | null,
    pattern: string,
    area: Area,
    dept: string,
    priority = 0,
    validTo: string | null = null,
  ) => {
    ids[name] = await insertRule(db, { name, kind, pattern, area, dept, priority, validTo });
  };
  await rule('r1', 'matter', '06', { kind: 'anywhere' }, 'HW');
  await rule('r2', 'matter', '06010', { kind: 'regions', codes: ['990001001'] }, 'ZF');
  await rule('r3', 'matter', '06010', { kind: 'regions', codes: ['990001001001'] }, 'ZF1');
  await rule('r4', 'matter', '06010', { kind: 'polygon', geom: rect(0, 2, 2, 3) }, 'DL');
  await rule('r5', 'matter', '06010', { kind: 'regions', codes: ['990001001001001'] }, 'TX');
  await rule('r6', 'matter', '06010', { kind: 'regions', codes: ['990001001001001'] }, 'SZ', 5);
  await rule('r7', 'matter', '06010', { kind: 'regions', codes: ['990001001001001'] }, 'JJ', 5);
  await rule('r8', null, '06010', { kind: 'anywhere' }, 'YL');
  await rule('r9', 'matter', '09', { kind: 'regions', codes: ['990001002002001'] }, 'JJ');
  await rule('r10', 'matter', '01', { kind: 'anywhere' }, 'SZ');
  await rule('r11', 'matter', '06012', { kind: 'anywhere' }, 'TX', 0, '2020-01-01');
  await sql`insert into component (code, category_code, name, maintainer_code, owner_code, geom)
    values ('99000101005000001', '01005', '电力井盖1', 'DL', 'SZ', ST_SetSRID(ST_MakePoint(100.0005, 20.0005), 4326)),
           ('99000101005000002', '01005', '电力井盖2', null, 'SZ', null)`.execute(db);
  await sql`insert into area_class_zone (name, class, area_kind, area_codes, area_geom) values
    ('东湖核心区', 'A', 'regions', '{990001001001}', null),
    ('西湖一般区', 'B', 'polygon', '{}', ${multi(rect(2, 0, 3, 3))}),
    ('西湖北端', 'A', 'polygon', '{}', ${multi(rect(2, 2, 3, 3))})`.execute(db);
  await sql`insert into collector (code, name, phone) values ('C1', '张三', '13800000001'), ('C2', '李四', '13800000002'), ('C3', '王五', '')`.execute(
    db,
  );
  await sql`insert into collector_area (name, grid_codes, collector_ids) values
    ('东湖责任区', '{990001001001001,990001001001002,990001001001003,990001001001004,990001001001005,990001001001006}', '{2,1}'),
    ('公园责任区', '{990001002001001,990001002001002}', '{3}')`.execute(db);
  return ids;
}

/**
 * The micro-city widened by two streets without grids (cols 7–9, outside grid coverage but inside regions):
 * 990001003 (col 7, no community) and 990001004 (cols 8–9, community 990001004001 in its lower two rows), so
 * points on their shared edge lie in two streets and one community.
 */
export function widenedMicroCity() {
  const city = microCity();
  const poly = (c0: number, r0: number, c1: number, r1: number) => ({
    type: 'Polygon' as const,
    coordinates: [
      [
        [c0, r0],
        [c1, r0],
        [c1, r1],
        [c0, r1],
        [c0, r0],
      ].map(([c, r]) => [Math.round((100 + c * D) * 1e7) / 1e7, Math.round((20 + r * D) * 1e7) / 1e7]),
    ],
  });
  const district = city.features.find((f) => f.properties.code === '990001')!;
  (district as { geometry: unknown }).geometry = poly(0, 0, 9, 3);
  const f = (code: string, name: string, level: 'street' | 'community', geometry: unknown) => ({
    type: 'Feature' as const,
    properties: { code, name, level },
    geometry,
  });
  city.features.push(
    f('990001003', '北岸街道', 'street', poly(7, 0, 8, 3)),
    f('990001004', '南岸街道', 'street', poly(8, 0, 9, 3)),
    f('990001004001', '南岸社区', 'community', poly(8, 0, 9, 2)),
  );
  return city;
}

export const STREETS = ['990001001', '990001002', '990001003', '990001004'];
export const REGION_CODES = [
  '990001',
  ...STREETS,
  '990001001001',
  '990001001002',
  '990001002001',
  '990001002002',
  '990001004001',
];
export const GRID_CODES = [
  ...[1, 2, 3, 4, 5, 6].map((i) => `990001001001${String(i).padStart(3, '0')}`),
  '990001001002001',
  '990001001002002',
  '990001001002003',
  '990001002001001',
  '990001002001002',
  '990001002002001',
  '990001002002002',
];
/** Reported categories: codes shared by both kinds (01xxx) and matter-only ones. */
export const CATEGORIES = [
  'matter:01001',
  'matter:01005',
  'component:01001',
  'component:01005',
  'component:01010',
  'matter:06010',
  'matter:06012',
  'matter:09009',
];
const PATTERNS = ['*', '01', '06', '09', '01001', '01005', '06010', '06012'];
export const TODAY = '2026-06-15';
const DATES = [null, null, '2026-06-14', TODAY, '2026-06-16'];
export const COMPONENTS = ['99000101001000001', '99000101005000001', '99000101005000002', '99000101010000001'];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

/** A rectangle [c0, c1) × [r0, r1) on the half-cell lattice, sometimes sticking out of the city; sizes repeat so that areas tie. */
function randomBox(rng: Rng): [number, number, number, number] {
  const w = pick(rng, [0.5, 1, 1, 2, 3]),
    h = pick(rng, [0.5, 1, 1, 2]);
  const c0 = int(rng, -2, 18) / 2,
    r0 = int(rng, -2, 5) / 2;
  return [c0, r0, c0 + w, r0 + h];
}

function randomArea(rng: Rng): Area {
  const x = rng();
  if (x < 0.15) return { kind: 'anywhere' };
  if (x < 0.6) {
    const a = randomBox(rng),
      b = randomBox(rng);
    const apart = a[2] < b[0] || b[2] < a[0] || a[3] < b[1] || b[3] < a[1];
    if (rng() < 0.25 && apart) {
      return {
        kind: 'polygon',
        geom: { type: 'MultiPolygon', coordinates: [rect(...a).coordinates, rect(...b).coordinates] },
      };
    }
    return { kind: 'polygon', geom: rect(...a) };
  }
  const n = int(rng, 1, 3);
  const codes = new Set<string>();
  for (let i = 0; i < n; i++) codes.add(rng() < 0.5 ? pick(rng, GRID_CODES) : pick(rng, REGION_CODES));
  return { kind: 'regions', codes: [...codes] };
}

/** A seeded random library on the widened micro-city. Returns its departments' codes. */
export async function randomLibrary(db: Kysely<DB>, seed: number): Promise<string[]> {
  const rng = stream(seed, 'library');
  const depts = ['D0', 'D1', 'D2', 'D3', 'D4', 'D5'];
  for (const code of depts)
    await sql`insert into department (code, name, kind) values (${code}, ${`部门${code}`}, '其他')`.execute(db);
  for (const region of ['', '990001', ...STREETS]) {
    if (rng() < 0.5)
      await sql`insert into department (code, name, kind, fallback_for) values (${`F${region || 'ALL'}`}, ${`兜底${region}`}, '街道办', ${region})`.execute(
        db,
      );
  }
  const n = int(rng, 15, 40);
  let last: RuleSpec | undefined;
  for (let i = 0; i < n; i++) {
    // Now and then a twin of the previous rule (same category and area) so that priority and id must decide.
    const twin = last && rng() < 0.25;
    const spec: RuleSpec = {
      name: `rule${i}`,
      kind: twin ? last!.kind : pick(rng, [null, 'matter', 'component']),
      pattern: twin ? last!.pattern : pick(rng, PATTERNS),
      area: twin ? last!.area : randomArea(rng),
      dept: pick(rng, depts),
      priority: pick(rng, [0, 0, 1, 5, 5]),
      validFrom: rng() < 0.2 ? pick(rng, DATES) : null,
      validTo: rng() < 0.2 ? pick(rng, DATES) : null,
    };
    // A validity period ends on or after its start (the table checks it): order a drawn pair.
    if (spec.validFrom && spec.validTo && spec.validTo < spec.validFrom) {
      [spec.validFrom, spec.validTo] = [spec.validTo, spec.validFrom];
    }
    await insertRule(db, spec);
    last = spec;
  }
  for (let i = int(rng, 0, 4); i > 0; i--) {
    const area = randomArea(rng);
    if (area.kind === 'anywhere') continue;
    const geom = area.kind === 'polygon' ? multi(area.geom!) : sql`null`;
    await sql`insert into area_class_zone (name, class, area_kind, area_codes, area_geom)
      values (${`zone${i}`}, ${pick(rng, ['A', 'B', 'C'])}, ${area.kind}, ${area.codes ?? []}::text[], ${geom})`.execute(
      db,
    );
  }
  await sql`insert into collector (code, name, phone) values ('C1', '张三', '13800000001'), ('C2', '李四', '')`.execute(
    db,
  );
  const groups: string[][] = [[], [], []];
  for (const g of GRID_CODES) {
    const k = int(rng, -1, 2);
    if (k >= 0) groups[k].push(g);
    if (rng() < 0.1) groups[(k + 2) % 3].push(g); // a grid in two areas: the lower id must win on both sides
  }
  for (const [i, grids] of groups.entries()) {
    if (grids.length)
      await sql`insert into collector_area (name, grid_codes, collector_ids) values (${`area${i}`}, ${grids}::text[], ${[1 + (i % 2)]}::int[])`.execute(
        db,
      );
  }
  for (const code of COMPONENTS) {
    const maintainer = rng() < 0.5 ? pick(rng, depts) : null,
      owner = rng() < 0.7 ? pick(rng, depts) : null;
    await sql`insert into component (code, category_code, name, maintainer_code, owner_code)
      values (${code}, ${code.slice(4, 9)}, ${`部件${code.slice(-3)}`}, ${maintainer}, ${owner})`.execute(db);
  }
  return depts;
}

/** Points: lattice vertices and half-cell points (edges, vertices, centres), random interior points, outside. */
export function randomPoints(seed: number, count: number): [number, number][] {
  const rng = stream(seed, 'points');
  const pts: [number, number][] = [
    [101, 21],
    [lonOf(-0.5), latOf(1.5)],
    [lonOf(9.5), latOf(1)],
  ];
  for (let c = 0; c <= 9; c++) for (let r = 0; r <= 3; r++) pts.push([lonOf(c), latOf(r)]);
  while (pts.length < count) {
    pts.push(
      rng() < 0.6
        ? [lonOf(int(rng, -1, 19) / 2), latOf(int(rng, -1, 7) / 2)]
        : [lonOf(rng() * 9.4 - 0.2), latOf(rng() * 3.4 - 0.2)],
    );
  }
  return pts;
}
