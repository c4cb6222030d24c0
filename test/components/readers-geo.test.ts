/**
 * Census file readers, continued: GeoJSON, zipped Shapefiles written by test/helpers/shapefile-writer (GBK without a
 * .cpg, UTF-8 with one, points and polylines), every refusal with its message, and arbitrary or damaged bytes that
 * never throw anything but FileProblem.
 */
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { FileProblem, openCensusFile, type FileFormat } from '../../server/components/readers.js';
import { all, gbk, problem, readAll, utf8 } from '../helpers/census-files.js';
import { writeShapefile, type LayerSpec } from '../helpers/shapefile-writer.js';

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
    // exceljs's own unzipping waited forever on some of these workbooks; the reader no longer uses it.
    const { shp, shx, dbf } = writeShapefile(points());
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('s').addRow(['a', 1]);
    const xlsx = new Uint8Array(await wb.xlsx.writeBuffer());
    // Flip bytes inside the layer's files (zipped stored, so the archive stays readable) or inside the workbook.
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
