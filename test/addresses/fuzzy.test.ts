/** Typo-tolerant matching and the geocoding score: exact scores from the documented formula. */
import { expect } from 'chai';
import fc from 'fast-check';
import { levenshtein, nameKey, score, type Candidate } from '../../server/addresses/fuzzy.js';
import { parseAddress, type RegionNames } from '../../server/addresses/parse.js';

const REGIONS: RegionNames = {
  districts: [{ code: '320508', name: '姑苏区' }],
  streets: [{ code: '320508001', name: '翠湖街道' }],
  communities: [{ code: '320508001001', name: '长青社区' }],
};
const p = (q: string) => parseAddress(q, REGIONS);

/** A hand-made pinyin table standing in for pinyin-pro (the function is injected; see the module header). */
const PY: Record<string, string> = { 青: 'qing', 和: 'he', 禾: 'he', 河: 'he', 长: 'chang', 清: 'qing' };
const pinyin = (s: string) => Array.from(s, (ch) => PY[ch] ?? ch).join('');

const plate = (name: string, number: string, extra: Partial<Candidate> = {}): Candidate => ({
  kind: 'doorplate',
  name,
  number,
  ...extra,
});

describe('address fuzzy matching and score', () => {
  it('levenshtein counts code points and stops early', () => {
    expect(levenshtein('青和路', '青禾路')).to.equal(1);
    expect(levenshtein('', 'abc')).to.equal(3);
    expect(levenshtein('kitten', 'sitting')).to.equal(3);
    expect(levenshtein('𠀀路', '路')).to.equal(1);
    expect(levenshtein('abcdef', 'uvwxyz', 2)).to.equal(3);
    expect(levenshtein('a', 'abcdef', 2)).to.equal(3);
  });

  it('nameKey drops the generic road suffix', () => {
    expect(
      ['长青路', '人民大道', '长青 路', '路', '大道', '汽车站', '中山东路', '民主街', '长青巷'].map(nameKey),
    ).to.deep.equal(['长青', '人民', '长青', '路', '大道', '汽车站', '中山东', '民主', '长青']);
  });

  it('an exact address scores 1', () => {
    expect(score(p('长青路12号'), plate('长青路', '12'))).to.deep.equal({
      score: 1,
      reasons: ['exact name', 'number exact 12'],
    });
  });

  it('a one-character typo: same pinyin beats one edit', () => {
    expect(score(p('青和路12号'), plate('青禾路', '12'), { pinyin })).to.deep.equal({
      score: 0.918,
      reasons: ['same pinyin qinghe (青禾路)', 'number exact 12'],
    });
    expect(score(p('青和路12号'), plate('青禾路', '12'))).to.deep.equal({
      score: 0.863,
      reasons: ['one edit (青禾路)', 'number exact 12'],
    });
    // A non-homophone typo is one edit, even with pinyin.
    expect(score(p('青木路12号'), plate('青禾路', '12'), { pinyin }).reasons[0]).to.equal('one edit (青禾路)');
    // A precomputed pinyin key on the candidate is used as is.
    expect(score(p('青和路12号'), plate('青禾路', '12', { pinyin: 'qinghe' }), { pinyin }).score).to.equal(0.918);
  });

  it('two edits count only on long names', () => {
    expect(score(p('黄河长江大桥路'), { kind: 'road', name: '黄海长江大侨路' })).to.deep.equal({
      score: 0.725,
      reasons: ['two edits (黄海长江大侨路)'],
    });
    expect(score(p('青和路'), { kind: 'road', name: '白木路' })).to.deep.equal({
      score: 0.45,
      reasons: ['name differs'],
    });
  });

  it('a road name without its suffix, a landmark by alias, a partial landmark name', () => {
    expect(score(p('长青'), { kind: 'road', name: '长青路' })).to.deep.equal({
      score: 0.945,
      reasons: ['same key 长青 (长青路)'],
    });
    const station: Candidate = { kind: 'landmark', name: '长途汽车站', aliases: ['汽车站', '车站'] };
    expect(score(p('车站'), station)).to.deep.equal({ score: 0.973, reasons: ['alias 车站'] });
    expect(score(p('长途汽车站'), station)).to.deep.equal({ score: 1, reasons: ['exact name'] });
    expect(score(p('汽车站'), { kind: 'landmark', name: '长途汽车站' })).to.deep.equal({
      score: 0.648,
      reasons: ['partial name (长途汽车站)'],
    });
  });

  it('numbers: exact, sub-number, interpolated, road only, another number', () => {
    const s = (q: string, c: Candidate) => score(p(q), c).score;
    expect(s('长青路12号', plate('长青路', '12-1'))).to.equal(0.975);
    expect(s('长青路13号', plate('长青路', '13', { interpolated: true }))).to.equal(0.95);
    expect(s('长青路99号', { kind: 'road', name: '长青路' })).to.equal(0.875);
    expect(s('长青路12号', plate('长青路', '14'))).to.equal(0.8);
    expect(s('长青路', plate('长青路', '12'))).to.equal(0.9);
    expect(s('长青路', { kind: 'road', name: '长青路' })).to.equal(1);
    expect(score(p('长青路13号'), plate('长青路', '13', { interpolated: true })).reasons).to.deep.equal([
      'exact name',
      'interpolated 13',
    ]);
  });

  it('buildings: exact, missing, another', () => {
    const s = (q: string, c: Candidate) => score(p(q), c).score;
    expect(s('长青路12号3栋', plate('长青路', '12', { building: '3' }))).to.equal(1);
    expect(s('长青路12号3栋', plate('长青路', '12'))).to.equal(0.99);
    expect(s('长青路12号3栋', plate('长青路', '12', { building: '4' }))).to.equal(0.965);
    expect(s('长青路12号', plate('长青路', '12', { building: '3' }))).to.equal(0.995);
  });

  it('regions: agree, unknown, differ', () => {
    const q = p('姑苏区翠湖街道长青路12号');
    expect(score(q, plate('长青路', '12', { district_code: '320508', street_code: '320508001' }))).to.deep.equal({
      score: 1,
      reasons: ['exact name', 'number exact 12', 'district agrees', 'street agrees'],
    });
    expect(score(q, plate('长青路', '12', { district_code: '320508' })).score).to.equal(0.963);
    expect(score(q, plate('长青路', '12', { district_code: '320508', street_code: '320508009' }))).to.deep.equal({
      score: 0.925,
      reasons: ['exact name', 'number exact 12', 'district agrees', 'street differs'],
    });
  });

  it('property: deterministic and within 0..1', () => {
    const text = fc.string({ unit: fc.constantFrom(...'长青禾和路号12栋汽车站甲-'.split('')), maxLength: 12 });
    fc.assert(
      fc.property(text, text, fc.option(text, { nil: undefined }), fc.boolean(), (q, name, number, interpolated) => {
        const c: Candidate = { kind: number === undefined ? 'road' : 'doorplate', name, number, interpolated };
        const a = score(p(q), c, { pinyin });
        expect(a).to.deep.equal(score(p(q), c, { pinyin }));
        expect(a.score).to.be.within(0, 1);
      }),
      { numRuns: 2000 },
    );
  });
});
