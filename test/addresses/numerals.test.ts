/** Address numerals: width folding, Chinese numerals, canonical house numbers. */
import { expect } from 'chai';
import fc from 'fast-check';
import { toChinese } from './to-chinese.js';
import { houseNumber, houseNumberValue, parseChineseNumber, toHalfWidth } from '../../server/addresses/numerals.js';

describe('address numerals', () => {
  it('full-width digits, letters, dashes, brackets and the ideographic space fold to half-width', () => {
    expect(toHalfWidth('１２３－４（Ａｂ）\u3000＃')).to.equal('123-4(AB) #');
    expect(toHalfWidth('12—1 12–1 12－1')).to.equal('12-1 12-1 12-1');
    expect(toHalfWidth('长青路⑫号')).to.equal('长青路12号');
  });

  it('Chinese numerals read as integers', () => {
    const cases: [string, number][] = [
      ['十', 10],
      ['十二', 12],
      ['二十', 20],
      ['二十一', 21],
      ['一百零三', 103],
      ['一百一十', 110],
      ['一百三', 130],
      ['两百', 200],
      ['两千三', 2300],
      ['一千零五', 1005],
      ['一千零五十', 1050],
      ['九千九百九十九', 9999],
      ['一万', 10000],
      ['一万零一', 10001],
      ['一万二', 12000],
      ['零', 0],
      ['〇', 0],
      ['一〇三', 103],
      ['一二', 12],
      ['廿', 20],
      ['廿三', 23],
      ['卅', 30],
      ['1百零3', 103],
      ['12', 12],
      ['012', 12],
    ];
    for (const [s, n] of cases) expect(parseChineseNumber(s), s).to.equal(n);
  });

  it('malformed numerals are undefined, never an exception', () => {
    for (const s of ['', '百', '十十', '1百23', '一二百', '零十', '万', '一万万', '长', '十一x', '百十'])
      expect(parseChineseNumber(s), s).to.equal(undefined);
  });

  it('house numbers have one canonical form', () => {
    expect(houseNumber('12')).to.deep.equal({ canonical: '12', value: 12 });
    expect(houseNumber('十二')).to.deep.equal({ canonical: '12', value: 12 });
    expect(houseNumber('12', '1')).to.deep.equal({ canonical: '12-1', value: 12 });
    expect(houseNumber('十二', '一')).to.deep.equal({ canonical: '12-1', value: 12 });
    expect(houseNumber('12', undefined, '甲')).to.deep.equal({ canonical: '甲12', value: 12 });
    expect(houseNumber('12', undefined, undefined, 'a')).to.deep.equal({ canonical: '12A', value: 12 });
    expect(houseNumber('百')).to.equal(undefined);
    expect(houseNumber('12', '百')).to.equal(undefined);
    expect(['12', '12-1', '甲12-1', '12A', 'x'].map(houseNumberValue)).to.deep.equal([12, 12, 12, 12, undefined]);
  });

  it('property: n in 1..9999 written in Chinese numerals reads as n', () => {
    expect([12, 103, 1010, 10, 110, 2000].map(toChinese)).to.deep.equal([
      '十二',
      '一百零三',
      '一千零一十',
      '十',
      '一百一十',
      '二千',
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), (n) => {
        expect(parseChineseNumber(toChinese(n))).to.equal(n);
        expect(parseChineseNumber(toChinese(n).replace(/二(?=[百千])/g, '两'))).to.equal(n);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: parseChineseNumber never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'零〇一二两三四五六七八九十百千万廿卅0123456789x') }), (s) => {
        const v = parseChineseNumber(s);
        expect(v === undefined || (Number.isInteger(v) && v >= 0)).to.equal(true);
      }),
    );
  });
});
