/**
 * Census file readers on hand-made fixtures built here: format detection, GBK and UTF-8 CSV (line numbers across
 * quoted newlines and stream chunks), an XLSX written with exceljs; every refusal with its message. GeoJSON,
 * Shapefiles and arbitrary bytes are in readers-geo.test.ts.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { detectFormat, openCensusFile, type RawRecord } from '../../server/components/readers.js';
import { all, gbk, problem, readAll, utf8 } from '../helpers/census-files.js';

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

  it('reads the same bytes the same way every time (the exceljs unzip lost workbook.xml in ~1 read of 50)', async function () {
    this.timeout(60_000);
    const bytes = await workbook();
    for (let i = 0; i < 300; i++) {
      const file = await openCensusFile({ bytes }, { name: 'census.xlsx' });
      expect(await all(file)).to.deep.equal(expected);
    }
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
