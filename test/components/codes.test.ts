/** Component codes: both schemes, class segments, legacy aliases, and serial allocation, with exact answers. */
import { expect } from 'chai';
import { componentCatalog } from '../../server/components/catalog.js';
import { SerialAllocator, classMismatch, parseComponentCode } from '../../server/components/codes.js';

const catalog = componentCatalog();
const parse = (code: unknown) => parseComponentCode(code, catalog);

describe('component codes (GB/T 47678.5 and CJ/T 214)', () => {
  it('reads the catalog: 153 classes, 01001 供水井盖, legacy 0101 → 01001', () => {
    expect(catalog.entries).to.have.length(153);
    expect(catalog.name('01001')).to.equal('供水井盖');
    expect(catalog.fromLegacy('0101')).to.equal('01001');
    expect(catalog.name('99999')).to.equal(undefined);
  });

  it('a 17-digit code: district, 5-digit class, serial', () => {
    expect(parse('32050801001000001')).to.deep.equal({
      ok: { code: '32050801001000001', scheme: 'gb47678', district: '320508', classCode: '01001', serial: '000001' },
    });
  });

  it('a 16-digit code: its 4-digit class read through the legacy aliases', () => {
    expect(parse('3205080101000001')).to.deep.equal({
      ok: {
        code: '3205080101000001',
        scheme: 'legacy',
        district: '320508',
        classCode: '01001',
        legacyClass: '0101',
        serial: '000001',
      },
    });
  });

  it('refuses, saying why: not digits, wrong length, serial 000000, unknown class, legacy class without alias', () => {
    expect(parse(3205080100100001).problem).to.equal('a component code is 16 or 17 digits; got 3205080100100001');
    expect(parse('3205080100100000A').problem).to.equal('a component code is 16 or 17 digits; got "3205080100100000A"');
    expect(parse('320508010010001').problem).to.match(/^a component code is 17 digits .* "320508010010001" has 15$/);
    expect(parse('32050801001000000').problem).to.equal(
      'the serial of "32050801001000000" is 000000; serials start at 000001',
    );
    expect(parse('32050899999000001').problem).to.equal(
      'the class segment 99999 of "32050899999000001" is not a component class of GB/T 47678.5',
    );
    expect(parse('3205089999000001').problem).to.equal(
      'the class segment 9999 of the 16-digit code "3205089999000001" has no GB/T 47678.5 equivalent in the legacy aliases',
    );
  });

  it("names both classes when the code's class segment disagrees with the row's class", () => {
    const p17 = parse('32050801002000001').ok!;
    expect(classMismatch(p17, '01002', catalog)).to.equal(undefined);
    expect(classMismatch(p17, '01001', catalog)).to.equal(
      "the code 32050801002000001 names class 01002 (污水井盖) but the row's class is 01001 (供水井盖)",
    );
    const p16 = parse('3205080101000007').ok!;
    expect(classMismatch(p16, '01002', catalog)).to.equal(
      "the code 3205080101000007 names class 0101, i.e. 01001 (供水井盖) but the row's class is 01002 (污水井盖)",
    );
  });

  it('allocates the next serials per district and class, after stored codes and codes given earlier', () => {
    const a = new SerialAllocator();
    a.take(parse('32050801001000041').ok!);
    a.take(parse('32050801001000007').ok!);
    a.take(parse('3205080101000050').ok!); // a 16-digit code of the same class reserves its serial too
    a.take(parse('32050801002000003').ok!);
    expect(a.next('320508', '01001')).to.equal('32050801001000051');
    expect(a.next('320508', '01001')).to.equal('32050801001000052');
    expect(a.next('320508', '01002')).to.equal('32050801002000004');
    expect(a.next('320509', '01001')).to.equal('32050901001000001');
    a.take(parse('32050801001999999').ok!);
    expect(() => a.next('320508', '01001')).to.throw('district 320508 has no serial left for class 01001');
  });
});
