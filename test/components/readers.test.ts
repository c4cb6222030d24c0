/**
 * Census file readers on hand-made fixtures built here: GBK and UTF-8 CSV (line numbers across quoted newlines and
 * stream chunks), an XLSX written with exceljs, GeoJSON, zipped Shapefiles written by test/helpers/shapefile-writer;
 * every refusal with its message; arbitrary bytes never throw anything but FileProblem.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import iconv from 'iconv-lite';
import {
  detectFormat,
  FileProblem,
  openCensusFile,
  type FileFormat,
  type OpenedFile,
  type RawRecord,
} from '../../server/components/readers.js';
import { xlsxLimits } from '../../server/components/readers/xlsx.js';
import { writeShapefile, type LayerSpec } from '../helpers/shapefile-writer.js';

async function all(file: OpenedFile): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of file.records()) out.push(r);
  return out;
}

async function problem(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(FileProblem);
    return (err as Error).message;
  }
  throw new Error('expected a FileProblem');
}

async function readAll(bytes: Uint8Array, name?: string, format?: FileFormat): Promise<RawRecord[]> {
  return all(await openCensusFile({ bytes }, { name, format }));
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const gbk = (s: string) => new Uint8Array(iconv.encode(s, 'gbk'));

let dir: string;
before(() => (dir = mkdtempSync(join(tmpdir(), 'readers-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('census readers: format detection', () => {
  it('goes by the extension, then by the first bytes', () => {
    const none = new Uint8Array();
    expect(
      ['a.csv', 'a.TXT', 'b.xlsx', 'c.geojson', 'c.json', 'd.ZIP'].map((n) => detectFormat(n, none)),
    ).to.deep.equal(['csv', 'csv', 'xlsx', 'geojson', 'geojson', 'shapefile']);
    expect(detectFormat(undefined, utf8('\uFEFF \n {"type":"FeatureCollection"}'))).to.equal('geojson');
    expect(detectFormat('upload.bin', utf8('ObjID,ObjName\n'))).to.equal('csv');
    expect(
      detectFormat(undefined, zipSync({ '[Content_Types].xml': utf8('<x/>'), 'xl/workbook.xml': utf8('') })),
    ).to.equal('xlsx');
    expect(detectFormat(undefined, zipSync({ 'survey/井盖.SHP': new Uint8Array(4) }))).to.equal('shapefile');
    expect(detectFormat(undefined, zipSync({ 'readme.txt': utf8('hi') }))).to.equal(undefined);
  });

  it('refuses what it cannot read, with the reason', async () => {
    const csv = utf8('a,b\n1,2\n');
    expect(await problem(openCensusFile({ bytes: csv }, { name: 'old.xls' }))).to.equal(
      'the old Excel .xls format cannot be read: save the sheet as .xlsx or as CSV',
    );
    expect(await problem(openCensusFile({ bytes: csv }, { name: 'layer.shp' }))).to.equal(
      'a .shp alone cannot be read: zip it with its .dbf and .shx (and .cpg, .prj) and send the .zip',
    );
    expect(await problem(openCensusFile({ bytes: csv }, { name: 'a.xlsx' }))).to.equal(
      'the file is not a zip archive, so it is not an XLSX workbook',
    );
    expect(await problem(openCensusFile({ bytes: csv }, { name: 'a.zip' }))).to.equal(
      'the file is not a zip archive, so it is not a zipped Shapefile',
    );
    const zip = zipSync({ 'readme.txt': utf8('hi') });
    expect(await problem(openCensusFile({ bytes: zip }, { name: 'a.csv' }))).to.equal(
      'the file is a zip archive, not CSV text (an XLSX workbook or a zipped Shapefile? name it .xlsx or .zip)',
    );
    expect(await problem(openCensusFile({ bytes: zip }, {}))).to.equal(
      'the zip archive holds neither a Shapefile (.shp) nor an XLSX workbook',
    );
    expect(await problem(openCensusFile({ path: join(dir, 'missing.csv') }, {}))).to.match(
      /^the file cannot be read: ENOENT: no such file or directory/,
    );
  });
});

describe('census readers: CSV', () => {
  const OLD =
    'ObjID,ObjName,DeptCode1,DeptName1,DeptName2,DeptName3,ObjState,ORDate,PointX,PointY,Note\r\n' +
    '32050801000000001,供水井盖,320508001,市政管理处,长青社区居委会,城市照明养护中心,完好,2024-03-01,500123.45,3456789.01,\r\n' +
    '32050802000000002,路灯,320508001,市政管理处,,,"破损",2024-03-02,500200,3456800,"灯杆锈蚀\r\n需更换, 已报修"\r\n' +
    '\r\n' +
    '32050803000000003,"垃圾箱 ""大号""",320508001,市政管理处,,,完好,,500300,3456900,无\r\n';

  it('reads GBK with the old field names: exact values, physical line numbers, detected encoding', async () => {
    const file = await openCensusFile({ bytes: gbk(OLD) }, { name: '部件普查.csv' });
    expect(file.format).to.equal('csv');
    expect(file.encoding).to.equal('gb18030');
    expect(file.encodingSource).to.equal('detected');
    expect(file.header).to.deep.equal([
      'ObjID',
      'ObjName',
      'DeptCode1',
      'DeptName1',
      'DeptName2',
      'DeptName3',
      'ObjState',
      'ORDate',
      'PointX',
      'PointY',
      'Note',
    ]);
    const records = await all(file);
    expect(records).to.deep.equal([
      {
        where: { line: 2 },
        values: [
          '32050801000000001',
          '供水井盖',
          '320508001',
          '市政管理处',
          '长青社区居委会',
          '城市照明养护中心',
          '完好',
          '2024-03-01',
          '500123.45',
          '3456789.01',
          '',
        ],
      },
      {
        where: { line: 3 },
        values: [
          '32050802000000002',
          '路灯',
          '320508001',
          '市政管理处',
          '',
          '',
          '破损',
          '2024-03-02',
          '500200',
          '3456800',
          '灯杆锈蚀\r\n需更换, 已报修',
        ],
      },
      // line 3 holds a quoted line break, so the record after it starts on line 5; line 5 is blank.
      {
        where: { line: 6 },
        values: [
          '32050803000000003',
          '垃圾箱 "大号"',
          '320508001',
          '市政管理处',
          '',
          '',
          '完好',
          '',
          '500300',
          '3456900',
          '无',
        ],
      },
    ]);
    expect(file.bytesRead()).to.equal(file.totalBytes);
    // A second pass reads the same records again; a named encoding wins.
    expect(await all(file)).to.deep.equal(records);
    const named = await openCensusFile({ bytes: gbk(OLD) }, { encoding: 'gbk' });
    expect([named.encoding, named.encodingSource]).to.deep.equal(['gbk', 'option']);
    expect((await all(named))[2].values).to.deep.equal(records[2].values);
  });

  it('reads UTF-8 with a BOM (the BOM is not part of the first header cell), LF line ends', async () => {
    const bytes = utf8('\uFEFFGLBJBSM,GLBJMC,GLBJZT\n32050801001000001,供水井盖,完好\n32050801001000002,污水井盖,丢失');
    const file = await openCensusFile({ bytes }, {});
    expect([file.format, file.encoding, file.encodingSource]).to.deep.equal(['csv', 'utf8', 'bom']);
    expect(file.header).to.deep.equal(['GLBJBSM', 'GLBJMC', 'GLBJZT']);
    expect(await all(file)).to.deep.equal([
      { where: { line: 2 }, values: ['32050801001000001', '供水井盖', '完好'] },
      { where: { line: 3 }, values: ['32050801001000002', '污水井盖', '丢失'] },
    ]);
  });

  it('streams a file from a path: lines stay exact across chunks, GBK after an ASCII start is detected', async () => {
    // The first 3,000 rows are ASCII (> 64 KB), the rest carry Chinese notes in GBK. Every row that starts near a
    // 256 KB read-chunk boundary, and every 7th row, has a quoted note spanning three lines.
    const CHUNK = 256 * 1024;
    let text = 'ObjID,PointX,PointY,Note\n';
    let bytes = text.length;
    const expected: { line: number; note: string }[] = [];
    let line = 2;
    for (let i = 0; i < 16000; i++) {
      const near = bytes % CHUNK > CHUNK - 300;
      const multi = near || i % 7 === 3;
      const note =
        i < 3000
          ? multi
            ? `No. ${i}\nsee, "x"\nend`
            : `note ${i}`
          : multi
            ? `第${i}号\n说明, "内容"\n结束`
            : `备注${i}`;
      const row = `${1000000 + i},${500000 + i},${3400000 + i},${multi ? `"${note.replace(/"/g, '""')}"` : note}\n`;
      text += row;
      bytes += iconv.encode(row, 'gbk').length;
      expected.push({ line, note });
      line += multi ? 3 : 1;
    }
    const path = join(dir, 'stream.csv');
    writeFileSync(path, iconv.encode(text, 'gbk'));
    const file = await openCensusFile({ path }, {});
    expect(file.totalBytes)
      .to.equal(bytes)
      .and.to.be.greaterThan(2 * CHUNK);
    expect(file.encoding).to.equal('gb18030'); // detection starts at the first non-ASCII byte, past 64 KB
    const records = await all(file);
    expect(
      records.map((r) => ({ line: (r.where as { line: number }).line, note: (r.values as string[])[3] })),
    ).to.deep.equal(expected);
    expect(file.bytesRead()).to.equal(file.totalBytes);
  });

  it('refuses a broken file naming the line where the broken record starts', async () => {
    const cases: [string, string][] = [
      ['', 'the CSV file is empty: it has no header line'],
      ['\r\n\r\n', 'the CSV file is empty: it has no header line'],
      [
        'ObjID,Note\n1,ok\n2,"open\nstill open\n',
        'line 3: a quoted field of the record starting here is never closed (the file ends inside quotes)',
      ],
      [
        'ObjID,Note\n1,"a\nb"\n2,"x"y\n',
        'line 4: in the record starting here, the quoted field in column 2 is followed by something other than a ' +
          'comma or the end of the line (a quote inside a quoted field must be doubled: "")',
      ],
      [
        'ObjID,ObjName,Note\n1,5"井盖,x\n',
        'line 2: a quote inside an unquoted field (column 2); quote the whole field and double the quote: ""',
      ],
    ];
    for (const [text, message] of cases) {
      expect(await problem(readAll(utf8(text), 'x.csv')), JSON.stringify(text)).to.equal(message);
    }
  });
});

describe('census readers: XLSX', () => {
  async function workbook(): Promise<Uint8Array> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('部件');
    ws.addRow(['GLBJBSM', 'GLBJMC', 'X', 'Y', 'CSRQ', 'BZ']);
    ws.addRow(['32050801001000001', '供水井盖', 500123.45, 3456789.01, new Date(Date.UTC(2024, 2, 1)), null]);
    ws.addRow([320508010010002, { richText: [{ text: '路' }, { text: '灯' }] }, 500200, 3456800, null, '']);
    ws.addRow([]);
    ws.getCell('A5').value = '32050801001000003';
    ws.getCell('B5').value = { formula: 'B2&"(旧)"', result: '供水井盖(旧)' };
    ws.getCell('C5').value = { formula: 'C2+1', result: 500124.45 };
    ws.getCell('F5').value = { text: '照片', hyperlink: 'https://example.org/1.jpg' };
    ws.getCell('E5').value = new Date(Date.UTC(2024, 5, 30, 8, 30, 0));
    ws.getRow(7).getCell(1).value = null; // trailing empty rows
    wb.addWorksheet('说明').addRow(['not read']);
    return new Uint8Array(await wb.xlsx.writeBuffer());
  }

  const expected: RawRecord[] = [
    { where: { row: 2 }, values: ['32050801001000001', '供水井盖', 500123.45, 3456789.01, '2024-03-01', null] },
    { where: { row: 3 }, values: [320508010010002, '路灯', 500200, 3456800, null, null] },
    {
      where: { row: 5 },
      values: ['32050801001000003', '供水井盖(旧)', 500124.45, null, '2024-06-30 08:30:00', '照片'],
    },
  ];

  it('reads the first worksheet from bytes and from a path: numbers, dates, rich text, formulas', async () => {
    const bytes = await workbook();
    const fromBytes = await openCensusFile({ bytes }, { name: 'census.xlsx' });
    expect([fromBytes.format, fromBytes.header]).to.deep.equal(['xlsx', ['GLBJBSM', 'GLBJMC', 'X', 'Y', 'CSRQ', 'BZ']]);
    expect(await all(fromBytes)).to.deep.equal(expected);
    expect(fromBytes.bytesRead()).to.equal(bytes.byteLength);
    const path = join(dir, 'census.xlsx');
    writeFileSync(path, bytes);
    const fromPath = await openCensusFile({ path }, {}); // detected from the zip's entries
    expect(fromPath.format).to.equal('xlsx');
    expect(await all(fromPath)).to.deep.equal(expected);
  });

  it('refuses a workbook without a worksheet and an empty first worksheet', async () => {
    const empty = new ExcelJS.Workbook();
    empty.addWorksheet('空');
    const bytes = new Uint8Array(await empty.xlsx.writeBuffer());
    expect(await problem(readAll(bytes, 'a.xlsx'))).to.equal(
      'the first worksheet of the XLSX workbook is empty: it has no header row',
    );
    const noSheet = zipSync({ '[Content_Types].xml': utf8('<Types/>'), 'xl/workbook.xml': utf8('<workbook/>') });
    expect(await problem(readAll(noSheet, 'a.xlsx'))).to.equal('the XLSX workbook has no worksheet');
  });
});

describe('census readers: GeoJSON', () => {
  it('reads a FeatureCollection: properties, geometry as given, the legacy crs name, broken features flagged', async () => {
    const doc = {
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4547' } },
      features: [
        {
          type: 'Feature',
          properties: { GLBJBSM: '32050801001000001', GLBJMC: '供水井盖' },
          geometry: { type: 'Point', coordinates: [500123.45, 3456789.01] },
        },
        { type: 'Feature', properties: { GLBJMC: '路灯', BZ: null }, geometry: null },
        {
          type: 'Feature',
          geometry: {
            type: 'LineString',
            coordinates: [
              [1, 2],
              [3, 4],
            ],
          },
        },
        42,
        { type: 'Feat', properties: 'x', geometry: [1, 2] },
      ],
    };
    const bytes = utf8(JSON.stringify(doc, null, 2));
    const file = await openCensusFile({ bytes }, { name: 'census.geojson' });
    expect([file.format, file.header, file.prj, file.encoding]).to.deep.equal([
      'geojson',
      ['GLBJBSM', 'GLBJMC', 'BZ'],
      'urn:ogc:def:crs:EPSG::4547',
      'utf8',
    ]);
    expect(await all(file)).to.deep.equal([
      {
        where: { feature: 0 },
        values: { GLBJBSM: '32050801001000001', GLBJMC: '供水井盖' },
        geometry: { type: 'Point', coordinates: [500123.45, 3456789.01] },
      },
      { where: { feature: 1 }, values: { GLBJMC: '路灯', BZ: null }, geometry: null },
      {
        where: { feature: 2 },
        values: {},
        geometry: {
          type: 'LineString',
          coordinates: [
            [1, 2],
            [3, 4],
          ],
        },
      },
      { where: { feature: 3 }, values: {}, geometry: null, problem: 'the feature is a number, not an object' },
      {
        where: { feature: 4 },
        values: {},
        geometry: null,
        problem:
          'its "type" is "Feat", not "Feature"; its "properties" is not an object; its "geometry" is not an object',
      },
    ]);
    expect(file.bytesRead()).to.equal(bytes.byteLength);
  });

  it('reads a single Feature, in GBK too', async () => {
    const text =
      '{"type":"Feature","properties":{"名称":"报刊亭"},"geometry":{"type":"Point","coordinates":[120.6,31.3]}}';
    const file = await openCensusFile({ bytes: gbk(text) }, {});
    expect([file.format, file.encoding, file.header]).to.deep.equal(['geojson', 'gb18030', ['名称']]);
    expect(await all(file)).to.deep.equal([
      { where: { feature: 0 }, values: { 名称: '报刊亭' }, geometry: { type: 'Point', coordinates: [120.6, 31.3] } },
    ]);
  });

  it('refuses text that is not JSON (with line and column) or not a FeatureCollection/Feature', async () => {
    const cases: [string, string][] = [
      [
        '{\n  "type": "FeatureCollection",\n  "features": [}\n',
        "the file is not valid JSON: Unexpected token '}' at line 3, column 16",
      ],
      [
        '{"type": "Feature"',
        "the file is not valid JSON: Expected ',' or '}' after property value at line 1, column 19",
      ],
      [
        '{"type": "Feature", "properties": {"a": tru}}',
        "the file is not valid JSON: Unexpected token '}' at line 1, column 44",
      ],
      ['[1, 2]', 'the GeoJSON must be an object (a FeatureCollection or a Feature), not an array'],
      [
        '{"type": "Point", "coordinates": [1, 2]}',
        'the GeoJSON is a bare Point geometry: put it in a Feature whose properties carry the attributes',
      ],
      ['{"type": "FeatureCollection"}', 'the FeatureCollection has no "features" array'],
      ['{"features": []}', 'the GeoJSON "type" is missing, not "FeatureCollection" or "Feature"'],
      ['{"type": "Topology"}', 'the GeoJSON "type" is "Topology", not "FeatureCollection" or "Feature"'],
    ];
    for (const [text, message] of cases) {
      expect(await problem(readAll(utf8(text), 'a.geojson')), text).to.equal(message);
    }
  });
});

describe('census readers: zipped Shapefile', () => {
  const points: LayerSpec = {
    type: 'point',
    encoding: 'gbk',
    fields: [
      { name: 'ObjID', type: 'C', length: 17 },
      { name: 'ObjName', type: 'C', length: 20 },
      { name: 'DeptName1', type: 'C', length: 30 },
      { name: '备注', type: 'C', length: 20 },
      { name: 'PointX', type: 'N', length: 12, decimals: 3 },
    ],
    features: [
      {
        geometry: [500123.45, 3456789.01],
        properties: {
          ObjID: '32050801000000001',
          ObjName: '供水井盖',
          DeptName1: '市政管理处',
          备注: '',
          PointX: 500123.45,
        },
      },
      {
        geometry: [500200, 3456800],
        properties: {
          ObjID: '32050802000000002',
          ObjName: '路灯',
          DeptName1: '城市照明养护中心',
          备注: '锈蚀',
          PointX: null,
        },
      },
    ],
  };
  const expectedPoints = [
    {
      where: { feature: 0 },
      values: {
        ObjID: '32050801000000001',
        ObjName: '供水井盖',
        DeptName1: '市政管理处',
        备注: null,
        PointX: 500123.45,
      },
      geometry: { type: 'Point', coordinates: [500123.45, 3456789.01] },
    },
    {
      where: { feature: 1 },
      values: {
        ObjID: '32050802000000002',
        ObjName: '路灯',
        DeptName1: '城市照明养护中心',
        备注: '锈蚀',
        PointX: null,
      },
      geometry: { type: 'Point', coordinates: [500200, 3456800] },
    },
  ];
  const PRJ = 'PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"]]';

  function zipLayer(layer: LayerSpec, stem: string, extra: Record<string, Uint8Array> = {}): Uint8Array {
    const { shp, shx, dbf } = writeShapefile(layer);
    return zipSync({ [`${stem}.shp`]: shp, [`${stem}.shx`]: shx, [`${stem}.dbf`]: dbf, ...extra });
  }

  it('reads points with GBK attributes and no .cpg (GBK by default), in a folder of the zip', async () => {
    const bytes = zipLayer(points, '普查/部件', {
      '普查/部件.prj': utf8(PRJ),
      '__MACOSX/普查/._部件.shp': new Uint8Array(8),
    });
    const file = await openCensusFile({ bytes }, { name: 'census.zip' });
    expect([file.format, file.encoding, file.encodingSource, file.prj]).to.deep.equal([
      'shapefile',
      'gbk',
      'default',
      PRJ,
    ]);
    expect(file.header).to.deep.equal(['ObjID', 'ObjName', 'DeptName1', '备注', 'PointX']);
    expect(await all(file)).to.deep.equal(expectedPoints);
    expect(file.bytesRead()).to.equal(file.totalBytes);
  });

  it('honours a .cpg of UTF-8 (upper-case extensions) and reads polylines', async () => {
    const utf = { ...points, encoding: 'utf8' as const };
    const bytes = zipLayer(utf, 'LAYER', { 'LAYER.CPG': utf8('UTF-8\r\n') });
    const file = await openCensusFile({ bytes }, {}); // detected from the zip's entries
    expect([file.format, file.encoding, file.encodingSource]).to.deep.equal(['shapefile', 'utf8', '.cpg']);
    expect(await all(file)).to.deep.equal(expectedPoints);
    // The same UTF-8 table read as GBK by request gives other text: the option wins over the .cpg.
    const forced = await openCensusFile({ bytes }, { encoding: 'gbk' });
    expect((await all(forced))[0].values).to.not.deep.equal(expectedPoints[0].values);

    const lines: LayerSpec = {
      type: 'polyline',
      encoding: 'gbk',
      fields: [{ name: 'name', type: 'C', length: 10 }],
      features: [
        {
          geometry: [
            [
              [0, 0],
              [10, 0],
              [10, 5],
            ],
          ],
          properties: { name: '长青路' },
        },
        {
          geometry: [
            [
              [0, 1],
              [1, 1],
            ],
            [
              [2, 2],
              [3, 3],
            ],
          ],
          properties: { name: '青禾路' },
        },
      ],
    };
    const road = await openCensusFile({ bytes: zipLayer(lines, 'roads', { 'roads.cpg': utf8('936') }) }, {});
    expect([road.encoding, road.encodingSource]).to.deep.equal(['gbk', '.cpg']);
    expect(await all(road)).to.deep.equal([
      {
        where: { feature: 0 },
        values: { name: '长青路' },
        geometry: {
          type: 'LineString',
          coordinates: [
            [0, 0],
            [10, 0],
            [10, 5],
          ],
        },
      },
      {
        where: { feature: 1 },
        values: { name: '青禾路' },
        geometry: {
          type: 'MultiLineString',
          coordinates: [
            [
              [0, 1],
              [1, 1],
            ],
            [
              [2, 2],
              [3, 3],
            ],
          ],
        },
      },
    ]);
  });

  it('refuses a zip without one complete layer, an unknown .cpg and a damaged .shp or .dbf', async () => {
    const { shp, shx, dbf } = writeShapefile(points);
    const badCode = shp.slice();
    badCode[3] = 0;
    const badType = shp.slice();
    new DataView(badType.buffer).setInt32(32, 31, true);
    const badDbf = dbf.slice(0, 40);
    const cases: [Record<string, Uint8Array>, string][] = [
      [{ 'a.dbf': dbf, 'a.shx': shx }, 'the zip archive has no .shp file'],
      [
        { 'a.shp': shp, 'a.dbf': dbf, 'b/c.shp': shp, 'b/c.dbf': dbf },
        'the zip archive holds 2 Shapefile layers (a.shp, b/c.shp): send one layer per file',
      ],
      [{ 'a.shp': shp, 'b.dbf': dbf }, 'the zip archive has a.shp but no a.dbf (its attribute table)'],
      [
        { 'a.shp': shp, 'a.dbf': dbf, 'a.cpg': utf8('Big5') },
        'a.cpg names the encoding "Big5", which cannot be read (UTF-8, GBK/CP936/GB2312 or GB18030 can; or name the encoding explicitly)',
      ],
      [{ 'a.shp': badCode, 'a.dbf': dbf }, 'a.shp is not a Shapefile: its file code is 9984, not 9994'],
      [{ 'a.shp': badType, 'a.dbf': dbf }, 'a.shp has shape type 31, which cannot be read'],
      [{ 'a.shp': shp.slice(0, 60), 'a.dbf': dbf }, 'a.shp is too short for a Shapefile header (100 bytes)'],
      [{ 'a.shp': shp, 'a.dbf': badDbf }, 'a.dbf is not a readable dBASE table: its header length 193 is wrong'],
    ];
    for (const [files, message] of cases) {
      expect(await problem(readAll(zipSync(files), 'a.zip')), message).to.equal(message);
    }
  });
});

describe('census readers: arbitrary bytes', () => {
  const FORMATS: FileFormat[] = ['csv', 'geojson', 'shapefile', 'xlsx'];
  const ZIP = [0x50, 0x4b, 0x03, 0x04];

  it('never throw anything but FileProblem, whatever the format', async function () {
    this.timeout(120_000);
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.uint8Array({ maxLength: 600 }).map((b) => new Uint8Array([...ZIP, ...b])),
      fc.string({ maxLength: 200 }).map((s) => utf8(s)),
      fc
        .constantFrom('{', '"', ',', '\n', '\r', 'PK', '[', '}')
        .chain((c) =>
          fc
            .array(fc.constantFrom(c, '"', ',', '\n', 'a', '{', '}', '[', ']', ':', '1'), { maxLength: 60 })
            .map((a) => utf8(a.join(''))),
        ),
    );
    await fc.assert(
      fc.asyncProperty(bytes, fc.constantFrom(...FORMATS), async (input, format) => {
        try {
          await readAll(input, undefined, format);
        } catch (err) {
          if (!(err instanceof FileProblem)) throw err;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never throw anything but FileProblem on damaged shapefile and xlsx archives', async function () {
    this.timeout(300_000);
    // exceljs waits forever on some of these workbooks; the stall limit turns that into a FileProblem sooner.
    const stallMs = xlsxLimits.stallMs;
    xlsxLimits.stallMs = 2000;
    const { shp, shx, dbf } = writeShapefile(points());
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('s').addRow(['a', 1]);
    const xlsx = new Uint8Array(await wb.xlsx.writeBuffer());
    // Flip bytes inside the layer's files (zipped stored, so the archive stays readable) or inside the workbook.
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('shp', 'dbf', 'xlsx'),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
          async (target, flips) => {
            const damage = (b: Uint8Array) => {
              const copy = b.slice();
              for (const [at, v] of flips) copy[at % copy.length] = v;
              return copy;
            };
            const bytes =
              target === 'xlsx'
                ? damage(xlsx)
                : zipSync(
                    {
                      'a.shp': target === 'shp' ? damage(shp) : shp,
                      'a.shx': shx,
                      'a.dbf': target === 'dbf' ? damage(dbf) : dbf,
                    },
                    { level: 0 },
                  );
            try {
              await readAll(bytes, undefined, target === 'xlsx' ? 'xlsx' : 'shapefile');
            } catch (err) {
              if (!(err instanceof FileProblem)) throw err;
            }
          },
        ),
        { numRuns: 300 },
      );
    } finally {
      xlsxLimits.stallMs = stallMs;
    }
  });

  function points(): LayerSpec {
    return {
      type: 'point',
      encoding: 'gbk',
      fields: [
        { name: 'ObjID', type: 'C', length: 17 },
        { name: 'ObjName', type: 'C', length: 8 },
      ],
      features: [
        { geometry: [1, 2], properties: { ObjID: '1', ObjName: '井盖' } },
        { geometry: [3, 4], properties: { ObjID: '2', ObjName: '路灯' } },
      ],
    };
  }
});
