/**
 * Typo-tolerant name matching and the geocoding score. Pure: the SQL search (pg_trgm, fuzzystrmatch's levenshtein,
 * a stored pinyin key) proposes candidates; this module ranks them, deterministically, with reasons.
 *
 * Score formula (each part in 0–1; the result is rounded to 3 decimals):
 *
 *   score = 0.55·N + 0.25·M + 0.05·B + 0.15·R
 *
 * N — name (the query's road, or its rest for a landmark), best over the candidate's name and aliases:
 *   1.00 exact name · 0.95 exact alias · 0.90 same key (the generic suffix 路/街/大道… left out: "长青" for "长青路")
 *   · 0.85 same pinyin key (homophone typo: 青和路/青禾路; only when a pinyin function is given) · 0.75 one edit
 *   between keys (code points) · 0.50 two edits when both keys have ≥ 5 characters · 0.60·(shorter/longer) when one
 *   key contains the other ("汽车站" in "长途汽车站") · else 0. A query without any name gives N = 1 (region only).
 * M — number: without a number in the query, 1 for a road/landmark/region candidate and 0.6 for a doorplate; with
 *   one: 1.00 same number · 0.90 same main number, other sub-number or prefix (12 for 12-1) · 0.80 interpolated ·
 *   0.50 a road or landmark (the number is unknown) · 0.20 another number.
 * B — building: without one in the query, 1 (0.9 for a building plate: the doorplate itself ranks first); with one:
 *   1 same · 0.8 the candidate has none (the doorplate stands for it) · 0.3 another building.
 * R — regions: over the levels the query names (district, street, community): agree 1, candidate unknown 0.5,
 *   disagree 0; the mean; 1 when the query names none.
 */
import { normalizeQuery, ROAD_SUFFIXES, type ParsedAddress } from './parse.js';
import { houseNumberValue } from './numerals.js';

export type PinyinFn = (text: string) => string;

export interface Candidate {
  kind: 'doorplate' | 'road' | 'landmark' | 'district' | 'street' | 'community';
  name: string;
  aliases?: string[];
  /** Canonical number of a doorplate (or the one asked for, when interpolated). */
  number?: string;
  interpolated?: boolean;
  building?: string;
  district_code?: string;
  street_code?: string;
  community_code?: string;
  /** A precomputed pinyin key of nameKey(name) (from the table); computed with opts.pinyin when absent. */
  pinyin?: string;
}

export interface Score {
  score: number;
  reasons: string[];
}

const SUFFIX = new RegExp(`(${ROAD_SUFFIXES.join('|')})$`);

/** The name for blocking and comparison: normalised, without a generic road suffix (when something is left). */
export function nameKey(name: string): string {
  const n = normalizeQuery(name);
  const m = SUFFIX.exec(n);
  return m && m.index > 0 ? n.slice(0, m.index) : n;
}

/** Levenshtein distance on code points; stops early and returns max + 1 once it exceeds max. */
export function levenshtein(a: string, b: string, max = Infinity): number {
  const x = Array.from(a);
  const y = Array.from(b);
  if (Math.abs(x.length - y.length) > max) return max + 1;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= y.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[y.length]!;
}

function nameScore(query: string, c: Candidate, pinyin?: PinyinFn): { n: number; reason: string } {
  const q = normalizeQuery(query);
  const qKey = nameKey(query);
  let best = { n: 0, reason: 'name differs' };
  const consider = (n: number, reason: string): void => {
    if (n > best.n) best = { n, reason };
  };
  const forms = [{ text: c.name, alias: false }, ...(c.aliases ?? []).map((text) => ({ text, alias: true }))];
  for (const f of forms) {
    const t = normalizeQuery(f.text);
    const key = nameKey(f.text);
    const label = f.alias ? `alias ${f.text}` : f.text;
    if (q === t) consider(f.alias ? 0.95 : 1, f.alias ? `alias ${f.text}` : 'exact name');
    if (qKey === key) consider(0.9, `same key ${key} (${label})`);
    if (pinyin && qKey.length > 0) {
      const pk = !f.alias && c.pinyin !== undefined ? c.pinyin : pinyin(key);
      if (pk !== '' && pinyin(qKey) === pk) consider(0.85, `same pinyin ${pk} (${label})`);
    }
    const d = levenshtein(qKey, key, 2);
    if (d === 1) consider(0.75, `one edit (${label})`);
    else if (d === 2 && Array.from(qKey).length >= 5 && Array.from(key).length >= 5)
      consider(0.5, `two edits (${label})`);
    if (qKey.length > 0 && key.length > 0 && (key.includes(qKey) || qKey.includes(key))) {
      const ratio = Math.min(qKey.length, key.length) / Math.max(qKey.length, key.length);
      consider(0.6 * ratio, `partial name (${label})`);
    }
  }
  return best;
}

/** Score a candidate against a parsed query: deterministic, with the reasons behind it. */
export function score(q: ParsedAddress, c: Candidate, opts: { pinyin?: PinyinFn } = {}): Score {
  const reasons: string[] = [];
  const queryName = q.road ?? (q.rest !== '' ? q.rest : undefined);
  let n = 1;
  if (queryName !== undefined) {
    const r = nameScore(queryName, c, opts.pinyin);
    n = r.n;
    reasons.push(r.reason);
  }

  let m: number;
  if (q.number === undefined) {
    m = c.kind === 'doorplate' ? 0.6 : 1;
  } else if (c.kind !== 'doorplate') {
    m = 0.5;
    reasons.push('number not in the gazetteer');
  } else if (c.interpolated) {
    m = 0.8;
    reasons.push(`interpolated ${q.number}`);
  } else if (c.number === q.number) {
    m = 1;
    reasons.push(`number exact ${q.number}`);
  } else if (c.number !== undefined && houseNumberValue(c.number) === houseNumberValue(q.number)) {
    m = 0.9;
    reasons.push(`number ${c.number} for ${q.number}`);
  } else {
    m = 0.2;
    reasons.push(`other number ${c.number ?? '?'}`);
  }

  let b: number;
  if (q.building === undefined) b = c.building === undefined ? 1 : 0.9;
  else if (c.building === q.building) {
    b = 1;
    reasons.push(`building exact ${q.building}`);
  } else if (c.building === undefined) {
    b = 0.8;
    reasons.push(`building ${q.building} not in the gazetteer`);
  } else {
    b = 0.3;
    reasons.push(`other building ${c.building}`);
  }

  const levels = [
    ['district', q.district?.code, c.district_code],
    ['street', q.street?.code, c.street_code],
    ['community', q.community?.code, c.community_code],
  ] as const;
  let named = 0;
  let sum = 0;
  for (const [level, asked, has] of levels) {
    if (asked === undefined) continue;
    named++;
    if (has === undefined) sum += 0.5;
    else if (has === asked) {
      sum += 1;
      reasons.push(`${level} agrees`);
    } else reasons.push(`${level} differs`);
  }
  const r = named === 0 ? 1 : sum / named;

  const total = Math.round((0.55 * n + 0.25 * m + 0.05 * b + 0.15 * r) * 1000) / 1000;
  return { score: total, reasons };
}
