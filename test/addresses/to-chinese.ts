/** Test helper: integers written in standard Chinese numerals (an independent writer, to check the reader). */
const DIGITS = '零一二三四五六七八九';

/** n (1..9999) in standard Chinese numerals: 12 → 十二, 103 → 一百零三, 1010 → 一千零一十. */
export function toChinese(n: number): string {
  const units = ['千', '百', '十', ''];
  const ds = String(n).padStart(4, '0').split('').map(Number);
  let out = '';
  let zero = false;
  let started = false;
  ds.forEach((d, i) => {
    if (d === 0) {
      if (started) zero = true;
      return;
    }
    if (zero) out += '零';
    zero = false;
    out += (d === 1 && units[i] === '十' && !started ? '' : DIGITS[d]) + units[i];
    started = true;
  });
  return out;
}
