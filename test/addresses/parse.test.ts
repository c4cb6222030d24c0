/** Address parsing: every form of the issue, with exact outputs, and properties over any string. */
import { expect } from 'chai';
import fc from 'fast-check';
import { parseAddress, type RegionNames } from '../../server/addresses/parse.js';
import { toChinese } from './to-chinese.js';

const REGIONS: RegionNames = {
  districts: [{ code: '320508', name: '姑苏区', short: ['姑苏'] }],
  streets: [
    { code: '320508001', name: '翠湖街道', short: ['翠湖'] },
    { code: '320508002', name: '青禾镇' },
  ],
  communities: [
    { code: '320508001001', name: '长青社区' },
    { code: '320508002001', name: '禾田村' },
  ],
};
const D = { code: '320508', name: '姑苏区' };
const S = { code: '320508001', name: '翠湖街道' };
const C = { code: '320508001001', name: '长青社区' };

const p = (q: string) => parseAddress(q, REGIONS);

describe('address parsing', () => {
  it('the full standard address with a province and city prefix', () => {
    expect(p('江苏省苏州市姑苏区翠湖街道长青社区长青路12号3栋2单元502室')).to.deep.equal({
      district: D,
      street: S,
      community: C,
      road: '长青路',
      number: '12',
      numberKind: '号',
      building: '3',
      unit: '2',
      rest: '',
      tokens: [
        'province:江苏省',
        'city:苏州市',
        'district:姑苏区',
        'street:翠湖街道',
        'community:长青社区',
        'road:长青路',
        'number:12号',
        'building:3',
        'unit:2',
        'ignored:502室',
      ],
    });
  });

  it('any prefix left out', () => {
    expect(p('长青路12号')).to.deep.equal({
      road: '长青路',
      number: '12',
      numberKind: '号',
      rest: '',
      tokens: ['road:长青路', 'number:12号'],
    });
    expect(p('翠湖街道长青路12号3栋')).to.deep.equal({
      street: S,
      road: '长青路',
      number: '12',
      numberKind: '号',
      building: '3',
      rest: '',
      tokens: ['street:翠湖街道', 'road:长青路', 'number:12号', 'building:3'],
    });
    expect(p('姑苏区长青社区长青路12号')).to.include({ road: '长青路', number: '12' });
    expect(p('姑苏区长青社区长青路12号').district).to.deep.equal(D);
    expect(p('姑苏区长青社区长青路12号').community).to.deep.equal(C);
    expect(p('苏州市长青路12号').tokens).to.deep.equal(['city:苏州市', 'road:长青路', 'number:12号']);
  });

  it('short forms and equivalents of regions', () => {
    expect(p('翠湖长青路12号').street).to.deep.equal(S);
    expect(p('翠湖长青路12号').tokens[0]).to.equal('street:翠湖街道(翠湖)');
    expect(p('翠湖街道办事处长青路1号').street).to.deep.equal(S);
    expect(p('长青村长青路3号').community).to.deep.equal(C);
    expect(p('长青社区居委会').community).to.deep.equal(C);
    expect(p('禾田社区').community).to.deep.equal({ code: '320508002001', name: '禾田村' });
    expect(p('青禾镇禾田村').street).to.deep.equal({ code: '320508002', name: '青禾镇' });
    // A short form followed by a road suffix is the road's name, not the region.
    expect(p('翠湖路5号')).to.deep.equal({
      road: '翠湖路',
      number: '5',
      numberKind: '号',
      rest: '',
      tokens: ['road:翠湖路', 'number:5号'],
    });
    expect(p('翠湖12号').street).to.equal(undefined);
  });

  it('full-width digits and Chinese numerals', () => {
    for (const q of ['长青路１２号', '长青路十二号', '长青路一二号', '长青路 12 号'])
      expect(p(q), q).to.deep.include({ road: '长青路', number: '12', numberKind: '号' });
    expect(p('经十路二十二号')).to.deep.include({ road: '经十路', number: '22' });
    expect(p('长青路一百零三号')).to.deep.include({ road: '长青路', number: '103' });
  });

  it('sub-numbers, prefixes and letters', () => {
    for (const q of [
      '长青路12-1号',
      '长青路12之1号',
      '长青路12号之1',
      '长青路十二之一号',
      '长青路12－1号',
      '长青路12-1',
    ])
      expect(p(q).number, q).to.equal('12-1');
    expect(p('长青路甲12号').number).to.equal('甲12');
    expect(p('长青路12a号').number).to.equal('12A');
  });

  it('号, 号院, 号楼, 栋, 幢, 座, #, 单元, 室 forms', () => {
    expect(p('长青路12号院3号楼')).to.deep.include({ number: '12', numberKind: '号院', building: '3' });
    expect(p('长青路12号5幢')).to.deep.include({ number: '12', building: '5' });
    expect(p('长青路12号B座')).to.deep.include({ number: '12', rest: 'B座' });
    expect(p('长青路12号2座')).to.deep.include({ number: '12', building: '2' });
    expect(p('长青路12#')).to.deep.include({ number: '12', numberKind: '号' });
    expect(p('长青路12号3#楼')).to.deep.include({ number: '12', building: '3' });
    expect(p('长青路12号3栋2单元502')).to.deep.include({ number: '12', building: '3', unit: '2', rest: '' });
    expect(p('长青路12号3栋2单元502').tokens.at(-1)).to.equal('ignored:502');
    expect(p('长青路12号5楼')).to.deep.include({ number: '12', rest: '' });
    expect(p('长青路12号5楼').building).to.equal(undefined);
    expect(p('长青路3号楼')).to.deep.include({ road: '长青路', building: '3', rest: '' });
    expect(p('长青路3号楼').number).to.equal(undefined);
  });

  it('spaces and punctuation are dropped, the leftover text is rest', () => {
    expect(p(' 长青路，12号（东门）')).to.deep.equal({
      road: '长青路',
      number: '12',
      numberKind: '号',
      rest: '东门',
      tokens: ['road:长青路', 'number:12号', 'rest:东门'],
    });
  });

  it('landmark-only queries: road undefined, rest = the name', () => {
    expect(p('汽车站')).to.deep.equal({ rest: '汽车站', tokens: ['rest:汽车站'] });
    expect(p('第一中学')).to.deep.equal({ rest: '第一中学', tokens: ['rest:第一中学'] });
    expect(p('华联超市')).to.deep.equal({ rest: '华联超市', tokens: ['rest:华联超市'] });
    expect(p('翠湖街道第一中学')).to.deep.equal({
      street: S,
      rest: '第一中学',
      tokens: ['street:翠湖街道', 'rest:第一中学'],
    });
    expect(p('第一中学3号楼')).to.deep.equal({
      building: '3',
      rest: '第一中学',
      tokens: ['building:3', 'rest:第一中学'],
    });
  });

  it('a road alone, a region alone, an empty query', () => {
    expect(p('长青路')).to.deep.equal({ road: '长青路', rest: '', tokens: ['road:长青路'] });
    expect(p('翠湖街道')).to.deep.equal({ street: S, rest: '', tokens: ['street:翠湖街道'] });
    expect(p('')).to.deep.equal({ rest: '', tokens: [] });
    expect(p(' ，。')).to.deep.equal({ rest: '', tokens: [] });
  });

  it('property: parsing never throws on any string', () => {
    const alphabet = fc.constantFrom(
      ...'长青路号院楼栋幢座单元室之甲-#十百千万零两一二三12３４市省区街道社区村 ，()（）'.split(''),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: alphabet })), (q) => {
        const r = p(q);
        expect(r.rest).to.be.a('string');
        expect(r.tokens).to.be.an('array');
      }),
      { numRuns: 3000 },
    );
  });

  it('property: full-width and half-width digits parse alike', () => {
    const wide = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    const piece = fc.constantFrom(
      '长青路',
      '翠湖街道',
      '号',
      '号院',
      '栋',
      '单元',
      '-',
      '之',
      '甲',
      '室',
      '汽车站',
      '0',
      '1',
      '2',
      '9',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), fc.integer({ min: 0, max: 99999 }), (parts, n) => {
        const q = parts.join('') + String(n) + '号';
        expect(p(wide(q))).to.deep.equal(p(q));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a number n in Chinese numerals (1..9999) parses to n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), (n) => {
        expect(p(`长青路${toChinese(n)}号`)).to.deep.include({ road: '长青路', number: String(n) });
        expect(p(`长青路${n}号`)).to.deep.include({ road: '长青路', number: String(n) });
      }),
      { numRuns: 2000 },
    );
  });

  it('is fast: 100,000 parses in under 3 s even on a busy shared machine (about 5 µs each)', () => {
    const t = performance.now();
    for (let i = 0; i < 100_000; i++) p(`姑苏区翠湖街道长青路${i % 500}号${i % 7}栋`);
    expect(performance.now() - t).to.be.below(3000);
  });

  it('stays fast with a whole city of regions (3,000 communities)', () => {
    const many: RegionNames = {
      districts: REGIONS.districts,
      streets: REGIONS.streets,
      communities: Array.from({ length: 3000 }, (_, i) => ({ code: String(320508001001 + i), name: `长青${i}社区` })),
    };
    expect(parseAddress('长青2999社区长青路12号', many).community).to.deep.equal({
      code: '320508004000',
      name: '长青2999社区',
    });
    expect(parseAddress('长青村长青路12号', many).community).to.equal(undefined);
    const t = performance.now();
    for (let i = 0; i < 20_000; i++) parseAddress(`长青${i % 3000}社区长青路${i % 500}号`, many);
    expect(performance.now() - t).to.be.below(3000);
  });
});
