/**
 * Numerals in addresses: full-width → half-width, Chinese numerals → integers, house numbers → canonical strings.
 *
 * Decisions (the issue is silent on these):
 * - Width: NFKC folds full-width ASCII (１２, ＡＢ, －, （）, ＃) to half-width and circled numbers (⑫) to digits;
 *   the ideographic space becomes a space; every dash (‐‑‒–—―－) becomes '-'; ASCII letters are upper-cased.
 * - Chinese numerals: 零/〇 = 0, 一…九, 两 = 2, 十 百 千 万 as units; 廿 = 二十 and 卅 = 三十 (still seen on old plates).
 *   "十二" = 12, "一百零三" = 103, "两百" = 200, "十" = 10. A string of digits without units reads digit by digit:
 *   "一〇三" = 103 (as a plate is often read aloud). The colloquial "一百三" is 130 (a trailing digit after a unit
 *   without 零 means the next lower unit). ASCII digits may stand for Chinese digits ("1百零3" = 103). Anything else
 *   ("百", "十十", "1百23") is not a number: undefined, never an exception.
 * - House numbers: the canonical form is the decimal main number, "-" and the decimal sub-number when there is one
 *   ("12-1" from 12-1号, 12之1号, 12号之1, 十二之一号), a one-letter suffix kept upper-case ("12A"), and a 甲/乙/丙/丁
 *   prefix kept in front ("甲12": a distinct plate beside 12). `houseNumberValue` gives the main integer for
 *   interpolation and parity.
 */

const DIGIT: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
for (let d = 0; d <= 9; d++) DIGIT[String(d)] = d;
const UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** Characters that may appear in a numeral (Chinese or ASCII). */
export const NUMERAL_CHARS = '0-9零〇一二两三四五六七八九十百千万廿卅';

/** Full-width → half-width, dashes → '-', letters upper-case; other characters are kept. */
export function toHalfWidth(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/\u3000/g, ' ')
    .replace(/[\u2010-\u2015\u2212\uFE63]/g, '-')
    .toUpperCase();
}

/** A numeral below 10,000 (one section: 千百十 and digits). */
function parseSection(s: string): number | undefined {
  if (s === '') return 0;
  const hasUnit = /[十百千]/.test(s);
  if (!hasUnit) {
    // Digit by digit: "一〇三" → 103, "12" → 12.
    let v = 0;
    for (const ch of s) {
      const d = DIGIT[ch];
      if (d === undefined) return undefined;
      v = v * 10 + d;
    }
    return v;
  }
  let total = 0;
  let pending: number | undefined;
  let lastUnit = 10000;
  let zeroSinceUnit = false;
  let first = true;
  for (const ch of s) {
    const d = DIGIT[ch];
    if (d !== undefined) {
      if (pending !== undefined && !(pending === 0 && d !== 0)) return undefined; // two digits in a row
      if (d === 0) zeroSinceUnit = true;
      pending = d;
    } else {
      const u = UNIT[ch];
      if (u === undefined || u >= lastUnit) return undefined;
      if (pending === undefined || pending === 0) {
        if (!(first && u === 10) || pending === 0) return undefined; // only a leading 十 stands alone
        pending = 1;
      }
      total += pending * u;
      pending = undefined;
      lastUnit = u;
      zeroSinceUnit = false;
    }
    first = false;
  }
  if (pending !== undefined && pending !== 0) {
    // "一百三" = 130: a bare trailing digit right after a unit above 十 is the next lower unit.
    total += !zeroSinceUnit && lastUnit > 10 && lastUnit < 10000 ? (pending * lastUnit) / 10 : pending;
  }
  return total;
}

/** A Chinese (or mixed, or ASCII) numeral to an integer, or undefined when it is not one. */
export function parseChineseNumber(input: string): number | undefined {
  const s = input.replace(/廿/g, '二十').replace(/卅/g, '三十');
  if (s === '' || !new RegExp(`^[${NUMERAL_CHARS}]+$`).test(s)) return undefined;
  const parts = s.split('万');
  if (parts.length > 2) return undefined;
  if (parts.length === 2) {
    const high = parts[0] === '' ? undefined : parseSection(parts[0]!);
    if (high === undefined || high === 0) return undefined;
    const lowText = parts[1]!.replace(/^零/, '');
    // "一万二" = 12000 (colloquial), like "一百三".
    const low =
      /^[一二两三四五六七八九1-9]$/.test(lowText) && !parts[1]!.startsWith('零')
        ? DIGIT[lowText]! * 1000
        : parseSection(lowText);
    if (low === undefined) return undefined;
    return high * 10000 + low;
  }
  return parseSection(s);
}

export interface HouseNumber {
  /** Canonical: "12", "12-1", "12A", "甲12". */
  canonical: string;
  /** The main integer (12 for all of the above). */
  value: number;
}

/**
 * A house number from its parts as found in the text: optional 甲乙丙丁 prefix, the main numeral, an optional
 * sub-number (after -, 之 or 号之), an optional letter suffix. Undefined when a numeral is not one.
 */
export function houseNumber(main: string, sub?: string, prefix?: string, letter?: string): HouseNumber | undefined {
  const value = parseChineseNumber(main);
  if (value === undefined) return undefined;
  let canonical = String(value);
  if (sub !== undefined && sub !== '') {
    const s = parseChineseNumber(sub);
    if (s === undefined) return undefined;
    canonical += `-${s}`;
  }
  if (letter) canonical += letter.toUpperCase();
  if (prefix) canonical = prefix + canonical;
  return { canonical, value };
}

/** The main integer of a canonical house number ("甲12-1" → 12), or undefined. */
export function houseNumberValue(canonical: string): number | undefined {
  const m = /^[甲乙丙丁]?(\d+)/.exec(canonical);
  return m ? Number(m[1]) : undefined;
}
