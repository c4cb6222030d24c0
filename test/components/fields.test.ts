/** Census file columns: the three naming schemes, extension attributes, refusals, empty cells, dates, axes. */
import { expect } from 'chai';
import { cell, censusDate, mapHeader, swappedAxes, swappedLonLat } from '../../server/components/fields.js';

describe('component census columns', () => {
  it('the standard abbreviations, the Chinese names and the old field names map to the same fields', () => {
    const std = mapHeader(['GLBJBSM', 'GLBJMC', 'ZGBMMC', 'YHDWMC', 'SZDYWGBSM', 'GLBJZT', 'CSRQ', 'BGRQ', 'X', 'Y']);
    const zh = mapHeader([
      '管理部件标识码',
      '管理部件名称',
      '主管部门名称',
      '养护单位名称',
      '所在单元网格标识码',
      '管理部件状态',
      '初始日期',
      '变更日期',
      'X',
      'Y',
    ]);
    const old = mapHeader([
      '\uFEFFObjID',
      'ObjName',
      'DeptName1',
      'DeptName3',
      'BGID',
      'ObjState',
      'ORDate',
      'CHDate',
      'PointX',
      'PointY',
    ]);
    const expected = {
      code: 0,
      name: 1,
      owner_name: 2,
      maintainer_name: 3,
      given_grid_code: 4,
      status: 5,
      initial_date: 6,
      change_date: 7,
      x: 8,
      y: 9,
    };
    for (const m of [std, zh, old]) {
      expect(m.fields).to.deep.equal(expected);
      expect(m.problems).to.deep.equal([]);
      expect([...m.extras]).to.deep.equal([]);
    }
  });

  it('DeptCode1–3 are 主管, 权属, 养护; full-width parentheses and case do not matter; other columns are kept as extras', () => {
    const m = mapHeader([
      'objid',
      'DeptCode1',
      'DeptCode2',
      'DeptCode3',
      '所在街道（镇、乡）代码',
      'Material',
      'SetLoc',
      'lon',
      'LAT',
    ]);
    expect(m.fields).to.deep.equal({
      code: 0,
      owner_code: 1,
      title_code: 2,
      maintainer_code: 3,
      street_code: 4,
      lon: 7,
      lat: 8,
    });
    expect([...m.extras]).to.deep.equal([
      [5, 'Material'],
      [6, 'SetLoc'],
    ]);
  });

  it('refuses a field named twice, a nameless column, half a coordinate pair, and both kinds of coordinates', () => {
    expect(mapHeader(['GLBJBSM', 'ObjID', '']).problems).to.deep.equal([
      'columns 1 (GLBJBSM) and 2 (ObjID) both give 管理部件标识码 (code)',
      'column 3 has no name',
    ]);
    expect(mapHeader(['lon']).problems).to.deep.equal(['lon and lat come together: the file has only one of them']);
    expect(mapHeader(['PointX']).problems).to.deep.equal(['X and Y come together: the file has only one of them']);
    expect(mapHeader(['lon', 'lat', 'X', 'Y']).problems).to.deep.equal([
      'the file has both lon/lat and X/Y columns: keep one pair',
    ]);
  });

  it('an empty cell, null and a missing value are the same', () => {
    expect([cell(''), cell('  '), cell('null'), cell('NULL'), cell(undefined), cell(null)]).to.deep.equal([
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(cell(' 完好 ')).to.equal('完好');
    expect(cell(0)).to.equal('0');
  });

  it('census dates: YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD; impossible days refused', () => {
    expect(censusDate('20230415')).to.deep.equal({ date: '2023-04-15' });
    expect(censusDate('2023-04-15')).to.deep.equal({ date: '2023-04-15' });
    expect(censusDate('2023/04/15')).to.deep.equal({ date: '2023-04-15' });
    expect(censusDate('20230230').problem).to.equal('"20230230" is not a date (YYYYMMDD or YYYY-MM-DD, 1900–2100)');
    expect(censusDate('2023-4-15').problem).to.match(/is not a date/);
    expect(censusDate('18991231').problem).to.match(/is not a date/);
  });

  it('swapped columns are named with the fix; plausible ones pass', () => {
    // EPSG:4547 (CM 114°E): easting ≈ 500 km, northing ≈ 2,500 km in Guangdong.
    expect(swappedAxes(500_123.4, 2_500_456.7)).to.equal(undefined);
    expect(swappedAxes(2_500_456.7, 500_123.4)).to.equal(
      'X 2500456.7 looks like a northing and Y 500123.4 like an easting: X (PointX) is the easting and Y (PointY) the northing — swap the two columns',
    );
    // EPSG:4526 (zone 38 in front of the easting).
    expect(swappedAxes(38_500_123.4, 2_500_456.7)).to.equal(undefined);
    expect(swappedAxes(2_500_456.7, 38_500_123.4)).to.match(
      /^X 2500456.7 looks like a northing .* swap the two columns$/,
    );
    expect(swappedLonLat(113.3, 23.1)).to.equal(undefined);
    expect(swappedLonLat(23.1, 113.3)).to.equal(
      'lat 113.3 is not a latitude and lon 23.1 could be one: the lon and lat columns look swapped',
    );
  });
});
