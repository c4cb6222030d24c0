/**
 * Address parsing for forward geocoding: a free-text query → region, road, doorplate number, building, rest.
 * Pure and fast (one pass of a few regular expressions; microseconds per query).
 *
 * Order understood (GB/T 37149 Annex B levels, any prefix left out): [省][市][区/县][街道/镇][社区/村] 路 号(院)
 * [号楼/栋/幢/座] [单元] [室/层/楼]. Decisions where the issue is silent:
 * - Province and city prefixes are stripped: "…省", and "…市" when what follows it starts with a known region or
 *   holds a house number (so "华联超市" stays a landmark name).
 * - Regions match at the front, in order district → street → community, each by its name or its explicit short
 *   forms (RegionNames.short), plus these equivalents: a street "X街道" also as "X街道办事处"/"X街道办"; a community
 *   "X社区" also as "X社区居委会"/"X居委会"/"X村" and a village "X村" as "X社区"/"X村委会". A short form never matches
 *   when a road suffix (路, 街, 巷, 道…) or a house number follows it directly ("长青路" is a road, not community 长青).
 * - 号 and 号院 name the doorplate (numberKind), 号楼/栋/幢/座 the building plate, 单元 the unit (kept, not matched),
 *   室/层/楼 are ignored. '#' reads as 号, and "#楼" as 号楼. "12号之1", "12之1号" and "12-1号" are number "12-1".
 *   A bare ASCII number right after the road ("长青路12", "长青路12-1") is the doorplate number.
 * - The road is the text before the doorplate number. Without a doorplate number, the remaining text is a road when
 *   it ends in a road suffix, else it is `rest` (a landmark name: "汽车站", "第一中学").
 */
import { houseNumber, NUMERAL_CHARS, toHalfWidth } from './numerals.js';

export interface RegionName {
  code: string;
  name: string;
  /** Extra spellings, e.g. "翠湖" for "翠湖街道". */
  short?: string[];
}

export interface RegionNames {
  districts: RegionName[];
  streets: RegionName[];
  communities: RegionName[];
}

export interface RegionRef {
  code: string;
  name: string;
}

export interface ParsedAddress {
  district?: RegionRef;
  street?: RegionRef;
  community?: RegionRef;
  road?: string;
  number?: string;
  numberKind?: '号' | '号院';
  building?: string;
  unit?: string;
  rest: string;
  tokens: string[];
}

/** Generic road suffixes, longest first. */
export const ROAD_SUFFIXES = ['大街', '大道', '胡同', '公路', '路', '街', '巷', '道', '弄', '里', '条'];
const ROAD_END = new RegExp(`(${ROAD_SUFFIXES.join('|')})$`);

const N = `[${NUMERAL_CHARS}]+`;
const UNIT_WORDS = '号院|号楼|号之|号|#楼|#|栋|幢|座|单元|室|层|楼';
const TOKEN = new RegExp(`([甲乙丙丁])?(${N})(?:[-之](${N}))?([A-Z])?(${UNIT_WORDS})`, 'g');
const BARE_NUMBER = /(\d+)(?:-(\d+))?([A-Z])?$/;
const PUNCT = /[\s,，.。、;；:：!！?？"'“”‘’()（）[\]【】《》<>/\\|_~`·]+/g;

/** Normalised query text: half-width, punctuation and spaces removed, upper-case letters. */
export function normalizeQuery(q: string): string {
  return toHalfWidth(q).replace(PUNCT, '');
}

interface Form {
  text: string;
  ref: RegionRef;
  short: boolean;
}

/** Forms per RegionName list by their text, and the longest text (cached: the lists are the live regions). */
interface FormIndex {
  byText: Map<string, Form[]>;
  maxLength: number;
}
const formCache = new WeakMap<RegionName[], FormIndex>();
const AFTER_SHORT = new RegExp(`^(${ROAD_SUFFIXES.join('|')}|[\\d#号]|${N}号)`);

function equivalents(name: string, level: 'district' | 'street' | 'community'): string[] {
  if (level === 'street' && name.endsWith('街道')) return [name + '办事处', name + '办'];
  if (level === 'community') {
    if (name.endsWith('社区')) {
      const stem = name.slice(0, -2);
      return [name + '居委会', stem + '居委会', stem + '村'];
    }
    if (name.endsWith('村')) return [name + '委会', name.slice(0, -1) + '社区'];
  }
  return [];
}

function formsOf(list: RegionName[], level: 'district' | 'street' | 'community'): FormIndex {
  let index = formCache.get(list);
  if (index) return index;
  index = { byText: new Map(), maxLength: 0 };
  const add = (text: string, ref: RegionRef, short: boolean): void => {
    if (text === '') return;
    const bucket = index!.byText.get(text) ?? [];
    bucket.push({ text, ref, short });
    bucket.sort((x, y) => Number(x.short) - Number(y.short)); // a full name wins over another region's short form
    index!.byText.set(text, bucket);
    index!.maxLength = Math.max(index!.maxLength, text.length);
  };
  for (const r of list) {
    const ref = { code: r.code, name: r.name };
    add(normalizeQuery(r.name), ref, false);
    for (const e of equivalents(r.name, level)) add(normalizeQuery(e), ref, false);
    for (const sh of r.short ?? []) add(normalizeQuery(sh), ref, true);
  }
  formCache.set(list, index);
  return index;
}

/** The longest form at the front of s (a short form only when no road suffix or number follows it). */
function matchFront(s: string, index: FormIndex): Form | undefined {
  for (let len = Math.min(index.maxLength, s.length); len > 0; len--) {
    for (const f of index.byText.get(s.slice(0, len)) ?? []) {
      if (f.short && AFTER_SHORT.test(s.slice(len))) continue;
      return f;
    }
  }
  return undefined;
}

function startsWithRegion(s: string, regions: RegionNames): boolean {
  return (
    matchFront(s, formsOf(regions.districts, 'district')) !== undefined ||
    matchFront(s, formsOf(regions.streets, 'street')) !== undefined ||
    matchFront(s, formsOf(regions.communities, 'community')) !== undefined
  );
}

function stripPrefixes(s: string, regions: RegionNames, tokens: string[]): string {
  const prov = /^[\u4e00-\u9fff]{2,8}?(省|自治区|特别行政区)/.exec(s);
  if (prov && s.length > prov[0].length) {
    tokens.push(`province:${prov[0]}`);
    s = s.slice(prov[0].length);
  }
  const city = /^[\u4e00-\u9fff]{1,6}?市/.exec(s);
  if (city && !startsWithRegion(s, regions)) {
    const after = s.slice(city[0].length);
    if (after !== '' && (startsWithRegion(after, regions) || /号|\d/.test(after))) {
      tokens.push(`city:${city[0]}`);
      s = after;
    }
  }
  return s;
}

/** Parse a free-text address. Never throws; an empty query gives `{rest: '', tokens: []}`. */
export function parseAddress(q: string, regions: RegionNames): ParsedAddress {
  const tokens: string[] = [];
  const out: ParsedAddress = { rest: '', tokens };
  let s = stripPrefixes(normalizeQuery(q), regions, tokens);

  const levels = [
    ['district', regions.districts],
    ['street', regions.streets],
    ['community', regions.communities],
  ] as const;
  for (const [level, list] of levels) {
    const f = matchFront(s, formsOf(list, level));
    if (!f) continue;
    out[level] = f.ref;
    tokens.push(`${level}:${f.ref.name}${f.text !== normalizeQuery(f.ref.name) ? `(${f.text})` : ''}`);
    s = s.slice(f.text.length);
  }

  const restParts: string[] = [];
  let cursor = 0;
  let roadText: string | undefined;
  let buildingPrefix: string | undefined;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(s); m; m = TOKEN.exec(s)) {
    const [whole, prefix, main, sub0, letter] = m;
    let unit = m[5]!;
    let sub = sub0;
    let end = m.index + whole.length;
    if (unit === '号之') {
      const after = new RegExp(`^(${N})`).exec(s.slice(end));
      if (!after || sub !== undefined) continue;
      sub = after[1];
      end += after[1]!.length;
      unit = '号';
    }
    const hn = houseNumber(main!, sub, prefix, letter);
    if (!hn) continue;
    const before = s.slice(cursor, m.index);
    cursor = end;
    TOKEN.lastIndex = end;
    if ((unit === '号' || unit === '#' || unit === '号院') && out.number === undefined && out.building === undefined) {
      if (before) roadText = before;
      out.number = hn.canonical;
      out.numberKind = unit === '号院' ? '号院' : '号';
      tokens.push(`number:${hn.canonical}${out.numberKind}`);
    } else if (['号楼', '#楼', '栋', '幢', '座'].includes(unit) && out.building === undefined) {
      if (before) {
        if (out.number === undefined) buildingPrefix = before;
        else restParts.push(before);
      }
      out.building = hn.canonical;
      tokens.push(`building:${hn.canonical}`);
    } else if (unit === '单元' && out.unit === undefined) {
      if (before) restParts.push(before);
      out.unit = hn.canonical;
      tokens.push(`unit:${hn.canonical}`);
    } else {
      if (before) restParts.push(before);
      tokens.push(`ignored:${whole}`);
    }
  }
  let tail = s.slice(cursor);
  if (out.number === undefined && out.building === undefined && cursor === 0) {
    const bare = BARE_NUMBER.exec(tail);
    if (bare && bare.index > 0) {
      const hn = houseNumber(bare[1]!, bare[2], undefined, bare[3]);
      if (hn) {
        roadText = tail.slice(0, bare.index);
        out.number = hn.canonical;
        out.numberKind = '号';
        tokens.push(`number:${hn.canonical}`);
        tail = '';
      }
    }
  } else if (out.unit !== undefined || out.building !== undefined) {
    // A bare trailing number after the building or unit is a room: ignored.
    const room = /^\d+$/.exec(tail);
    if (room) {
      tokens.push(`ignored:${tail}`);
      tail = '';
    }
  }
  if (tail) restParts.push(tail);

  if (buildingPrefix !== undefined) {
    if (ROAD_END.test(buildingPrefix)) roadText = buildingPrefix;
    else restParts.unshift(buildingPrefix);
  }
  if (roadText === undefined && out.number === undefined && out.building === undefined && restParts.length === 1) {
    const only = restParts[0]!;
    if (ROAD_END.test(only) && only.length >= 2) {
      roadText = only;
      restParts.length = 0;
    }
  }
  if (roadText !== undefined) {
    out.road = roadText;
    insertRoadToken(tokens, roadText);
  }
  out.rest = restParts.join('');
  if (out.rest) tokens.push(`rest:${out.rest}`);
  return out;
}

/** The road token goes right after the region tokens, for a readable explanation. */
function insertRoadToken(tokens: string[], road: string): void {
  let i = 0;
  while (i < tokens.length && /^(province|city|district|street|community):/.test(tokens[i]!)) i++;
  tokens.splice(i, 0, `road:${road}`);
}
