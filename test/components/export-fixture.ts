/**
 * Seven hand-placed components on the micro-city (a point in each street, a polygon, one outside every grid, one
 * without a position, a 16-digit code) and the exact CSV export they give.
 */
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';

export const HEADER =
  'GLBJBSM,GLBJMC,class,ZGBMDM,ZGBMMC,QSDWDM,QSDWMC,YHDWDM,YHDWMC,SZDYWGBSM,GLBJZT,CSRQ,BGRQ,SJLY,BZ,' +
  'SZJDDM,SZJDMC,SZSQDM,SZSQMC,accuracy,photos,lon,lat,材质,直径';
// Code order (text): the 16-digit code 9900010101000004 sorts between 9900010100… and 9900010200…
export const LINES = [
  '99000101001000001,供水井盖,01001,0101,市供水公司,0102,市水务集团,0103,供水养护所,990001001001001,完好,20240301,' +
    '20250630,实测,"旧, ""铸铁""盖",990001001,湖滨街道,990001001001,东湖社区,A,"[""p1.jpg"",""p2.jpg""]",' +
    '100.0005,20.0025,铸铁,700',
  '99000101001000002,供水井盖,01001,,,,,,,990001001001005,破损,,,地形图,,990001001,湖滨街道,990001001001,东湖社区,' +
    'B,,100.0015,20.0005,,',
  '99000101001000003,供水井盖,01001,0101,市供水公司,,,,,,废弃,,,,,,,,,,,100.01,20.01,,',
  '99000101002000001,污水井盖,01002,,,,,,,990001001002002,丢失,20230101,,,"第一行\r\n第二行",990001001,湖滨街道,' +
    '990001001002,西湖社区,,,100.0025,20.0015,,',
  '99000101002000002,污水井盖,01002,,,,,,,,完好,,,,,,,,,,,,,,',
  '9900010101000004,供水井盖,01001,,,,,,,990001002002001,移除,,,,,990001002,山前街道,990001002002,河东社区,C,,' +
    '100.0065,20.0025,复合,',
  '99000102001000001,停车场,02001,,,,,,,990001002001001,完好,,,,,990001002,山前街道,990001002001,公园社区,,,' +
    '100.0035,20.0005,,',
];
export const CSV = `${HEADER}\r\n${LINES.map((l) => `${l}\r\n`).join('')}`;

export async function seedComponents(database: Database): Promise<void> {
  const pt = (lon: number, lat: number) => sql`ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)`;
  const rows = [
    sql`('99000101001000001', '01001', '供水井盖', '0101', '市供水公司', '0102', '市水务集团', '0103', '供水养护所',
      '完好', ${pt(100.0005, 20.0025)}, '2024-03-01', '2025-06-30', '实测', '旧, "铸铁"盖', 'A',
      '["p1.jpg","p2.jpg"]', '{"材质":"铸铁","直径":700}', null)`,
    // The census said grid 005; the position says 006: SZDYWGBSM keeps the census's word.
    sql`('99000101001000002', '01001', '供水井盖', null, '', null, '', null, '', '破损', ${pt(100.0015, 20.0005)},
      null, null, '地形图', '', 'B', '[]', '{}', '990001001001005')`,
    sql`('99000101001000003', '01001', '供水井盖', '0101', '市供水公司', null, '', null, '', '废弃',
      ${pt(100.01, 20.01)}, null, null, '', '', null, '[]', '{}', null)`,
    sql`('99000101002000001', '01002', '污水井盖', null, '', null, '', null, '', '丢失', ${pt(100.0025, 20.0015)},
      '2023-01-01', null, '', ${'第一行\r\n第二行'}, null, '[]', '{}', null)`,
    sql`('99000101002000002', '01002', '污水井盖', null, '', null, '', null, '', '完好', null,
      null, null, '', '', null, '[]', '{}', null)`,
    sql`('99000102001000001', '02001', '停车场', null, '', null, '', null, '', '完好',
      ST_GeomFromText('POLYGON((100.0031 20.0001,100.0039 20.0001,100.0039 20.0009,100.0031 20.0009,100.0031 20.0001))',
      4326), null, null, '', '', null, '[]', '{}', null)`,
    sql`('9900010101000004', '01001', '供水井盖', null, '', null, '', null, '', '移除', ${pt(100.0065, 20.0025)},
      null, null, '', '', 'C', '[]', '{"材质":"复合"}', null)`,
  ];
  await sql`insert into component (code, category_code, name, owner_code, owner_name, title_code, title_name,
      maintainer_code, maintainer_name, status, geom, initial_date, change_date, data_source, note, accuracy, photos,
      extras, given_grid_code)
    values ${sql.join(rows)}`.execute(database.db);
  // Derived from the position as the census migration does it (the boundary rule for points inside a cell).
  await sql`update component c set (grid_code, community_code, street_code, district_code) = (
      select u.code, u.community_code, u.street_code, u.district_code from unit_grid u
      where u.termination_date is null and ST_Covers(u.geom, ST_PointOnSurface(c.geom)) order by u.code limit 1)
    where c.geom is not null`.execute(database.db);
}
