/**
 * Evaluation (综合评价, GB/T 30428.4; STANDARDS §4) weights, bands and grades, and the arithmetic that turns rates into
 * scores: pure, no I/O. The defaults follow the standard where it speaks; where it is silent or unclear they are local
 * configuration (README "Evaluation (综合评价)"): a city overrides any part with a JSON file named by
 * EVALUATION_CONFIG (server/config.ts), checked here by `evaluationConfig()`.
 *
 * Scores: each term's 分值 is a rate × 100, (1 − rate) × 100 for a rate where less is better (返工率, 监督举报率), or a
 * banded score for a count; the 综合指标值 is the weighted mean of the terms whose value is known. A term whose rate
 * has a zero denominator, or whose data the platform does not record (漏报, 核查派发), is left out and the remaining
 * weights renormalised; no known term → no score and no grade. Scores are rounded to 0.01 and graded from that.
 */

export type Grade = 'A' | 'B' | 'C' | 'D' | 'E';

/** 评价等级: A ≥ 90; B 75–<90; C 60–<75; D 40–<60; E < 40 (STANDARDS §4). */
export const GRADES: readonly { grade: Grade; min: number }[] = [
  { grade: 'A', min: 90 },
  { grade: 'B', min: 75 },
  { grade: 'C', min: 60 },
  { grade: 'D', min: 40 },
  { grade: 'E', min: -Infinity },
];

/** A count band: a value ≥ `min` (and below the previous band's min) scores `score`. Highest min first; last min 0. */
export interface CountBand {
  min: number;
  score: number;
}

/** A density band (less is better): a value ≤ `max` (and above the previous band's max) scores `score`; last max null. */
export interface DensityBand {
  max: number | null;
  score: number;
}

export interface EvaluationConfig {
  /** Counts are banded per this many days: a period of d days scales a count by bandDays / d first. */
  band_days: number;
  /** 监督员: 有效上报率 40 %, 漏报率 20 % (not recorded: left out), 按时核实率 20 %, 按时核查率 20 %. */
  collector: { valid_report: number; missed_report: number; on_time_verify: number; on_time_check: number };
  /** 受理员: 受理数分值 25 %, 核实按时派发率 40 %, 核查按时派发率 35 % (no 核查派发 step here: left out). */
  acceptor: {
    weights: { accepted: number; on_time_verify_dispatch: number; on_time_check_dispatch: number };
    bands: CountBand[];
  };
  /** 值班长: 按时立案率 25 %, 准确立案率 40 %, 按时结案率 35 %. */
  shift_leader: { on_time_filing: number; accurate_filing: number; on_time_closing: number };
  /** 派遣员: 派遣数分值 20 %, 按时派遣率 40 %, 准确派遣率 40 % (派遣数 banded like 受理数 unless configured). */
  dispatcher: {
    weights: { dispatched: number; on_time_dispatch: number; accurate_dispatch: number };
    bands: CountBand[];
  };
  /**
   * 区域: 监督举报率 10 %, 立案数 20 %, 结案率 30 %, 按期结案率 40 % (the standard's text sums to 70 %: 40 % for
   * 按期结案率 restores 100 %). 立案数 is scored by its density, filed cases per km² per band_days.
   */
  region: {
    weights: { public_report: number; filed: number; closure: number; on_time_closure: number };
    filed_density_bands: DensityBand[];
    /** Channels whose reports are 监督举报 (public reports): the public's own channels. */
    public_channels: string[];
  };
  /** 专业部门 (no weights in the standard): 处置率 20 %, 按期处置率 40 %, 返工率 20 % (as 1 − rate), 结案率 20 %. */
  department: { disposal: number; on_time_disposal: number; rework: number; closure: number; on_time_closure: number };
}

/** 受理数分值 bands of the standard, read as counts per month (30 days). */
const COUNT_BANDS: CountBand[] = [
  { min: 2001, score: 100 },
  { min: 1201, score: 90 },
  { min: 501, score: 75 },
  { min: 301, score: 60 },
  { min: 101, score: 40 },
  { min: 0, score: 0 },
];

export const DEFAULT_CONFIG: EvaluationConfig = {
  band_days: 30,
  collector: { valid_report: 40, missed_report: 20, on_time_verify: 20, on_time_check: 20 },
  acceptor: {
    weights: { accepted: 25, on_time_verify_dispatch: 40, on_time_check_dispatch: 35 },
    bands: COUNT_BANDS,
  },
  shift_leader: { on_time_filing: 25, accurate_filing: 40, on_time_closing: 35 },
  dispatcher: { weights: { dispatched: 20, on_time_dispatch: 40, accurate_dispatch: 40 }, bands: COUNT_BANDS },
  region: {
    weights: { public_report: 10, filed: 20, closure: 30, on_time_closure: 40 },
    filed_density_bands: [
      { max: 10, score: 100 },
      { max: 25, score: 90 },
      { max: 50, score: 75 },
      { max: 100, score: 60 },
      { max: 200, score: 40 },
      { max: null, score: 0 },
    ],
    public_channels: ['hotline_12345', 'hotline_12319', 'app', 'wechat', 'open311'],
  },
  department: { disposal: 20, on_time_disposal: 40, rework: 20, closure: 20, on_time_closure: 0 },
};

// ---- arithmetic ----

/** num / den as an unrounded fraction; null when den is 0 (a rate of nothing is unknown, not 0 % or 100 %). */
export function rate(num: number, den: number): number | null {
  return den === 0 ? null : num / den;
}

/** A rate as a 分值 (0–100); `inverse` for rates where less is better. */
export function rateScore(r: number | null, inverse = false): number | null {
  return r === null ? null : (inverse ? 1 - r : r) * 100;
}

/** The band score of a count (already scaled to band_days). */
export function countScore(value: number, bands: readonly CountBand[]): number {
  for (const b of bands) if (value >= b.min) return b.score;
  return bands[bands.length - 1].score;
}

/** The band score of a density (less is better); null for an unknown density. */
export function densityScore(value: number | null, bands: readonly DensityBand[]): number | null {
  if (value === null) return null;
  for (const b of bands) if (b.max === null || value <= b.max) return b.score;
  return bands[bands.length - 1].score;
}

/** A count over a period of `days` days scaled to `bandDays` days. */
export const perBandDays = (count: number, days: number, bandDays: number): number => (count * bandDays) / days;

export interface Term {
  weight: number;
  /** 分值 0–100, or null when unknown (left out). */
  value: number | null;
}

/** The 综合指标值: weighted mean of the known terms (weights renormalised), rounded to 0.01; null when none is known. */
export function weightedScore(terms: readonly Term[]): number | null {
  let w = 0;
  let sum = 0;
  for (const t of terms) {
    if (t.value === null || t.weight === 0) continue;
    w += t.weight;
    sum += t.weight * t.value;
  }
  return w === 0 ? null : Math.round((sum / w) * 100) / 100;
}

/** 评价等级 of a score (null for no score). */
export function grade(score: number | null): Grade | null {
  if (score === null) return null;
  return GRADES.find((g) => score >= g.min)!.grade;
}

// ---- overrides (EVALUATION_CONFIG) ----

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The default configuration with `overrides` (parsed JSON) laid over it: objects merge key by key, arrays and numbers
 * replace. Throws an Error listing every problem (unknown keys, negative or non-numeric weights, a group whose
 * weights are all 0, unordered bands, scores outside 0–100, unknown channels).
 */
export function evaluationConfig(overrides: unknown, channels: readonly string[]): EvaluationConfig {
  const problems: string[] = [];
  const merged = merge(DEFAULT_CONFIG as unknown as Json, overrides, '', problems) as unknown as EvaluationConfig;
  if (problems.length === 0) check(merged, channels, problems);
  if (problems.length) throw new Error(`EVALUATION_CONFIG: ${problems.join('; ')}`);
  return merged;
}

function merge(base: Json, over: unknown, at: string, problems: string[]): Json {
  if (over === undefined) return base;
  if (!isObject(over)) {
    problems.push(`${at || 'the file'} must be an object`);
    return base;
  }
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const path = at ? `${at}.${k}` : k;
    if (!(k in base)) problems.push(`unknown key ${path}`);
    else if (isObject(base[k])) out[k] = merge(base[k] as Json, v, path, problems);
    else out[k] = v;
  }
  return out;
}

function weights(group: Json, path: string, problems: string[]): void {
  let total = 0;
  for (const [k, v] of Object.entries(group)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`${path}.${k} must be a number ≥ 0`);
    else total += v;
  }
  if (total === 0) problems.push(`${path}: at least one weight must be above 0`);
}

const score = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 100;

function countBands(bands: unknown, path: string, problems: string[]): void {
  if (!Array.isArray(bands) || bands.length === 0) return void problems.push(`${path} must be a non-empty list`);
  bands.forEach((b: unknown, i) => {
    const ok = isObject(b) && typeof b.min === 'number' && Number.isFinite(b.min) && score(b.score);
    if (!ok) problems.push(`${path}[${i}] must be {min: number, score: 0–100}`);
    else if (i > 0 && (b.min as number) >= (bands[i - 1] as CountBand).min)
      problems.push(`${path}: mins must decrease (highest band first)`);
  });
  const last = bands[bands.length - 1] as CountBand;
  if (isObject(last) && last.min !== 0) problems.push(`${path}: the last band must have min 0`);
}

function densityBands(bands: unknown, path: string, problems: string[]): void {
  if (!Array.isArray(bands) || bands.length === 0) return void problems.push(`${path} must be a non-empty list`);
  bands.forEach((b: unknown, i) => {
    const last = i === bands.length - 1;
    const ok =
      isObject(b) &&
      (last ? b.max === null : typeof b.max === 'number' && Number.isFinite(b.max) && b.max >= 0) &&
      score(b.score);
    if (!ok) problems.push(`${path}[${i}] must be {max: ${last ? 'null' : 'number ≥ 0'}, score: 0–100}`);
    else if (!last && i > 0 && (b.max as number) <= ((bands[i - 1] as DensityBand).max as number))
      problems.push(`${path}: maxes must increase (lowest band first)`);
  });
}

function check(c: EvaluationConfig, channels: readonly string[], problems: string[]): void {
  if (typeof c.band_days !== 'number' || !(c.band_days > 0)) problems.push('band_days must be a number > 0');
  weights(c.collector as unknown as Json, 'collector', problems);
  weights(c.acceptor.weights as unknown as Json, 'acceptor.weights', problems);
  countBands(c.acceptor.bands, 'acceptor.bands', problems);
  weights(c.shift_leader as unknown as Json, 'shift_leader', problems);
  weights(c.dispatcher.weights as unknown as Json, 'dispatcher.weights', problems);
  countBands(c.dispatcher.bands, 'dispatcher.bands', problems);
  weights(c.region.weights as unknown as Json, 'region.weights', problems);
  densityBands(c.region.filed_density_bands, 'region.filed_density_bands', problems);
  const pc = c.region.public_channels;
  if (!Array.isArray(pc) || pc.some((x) => !channels.includes(x as string)))
    problems.push(`region.public_channels must list channels among ${channels.join(', ')}`);
  weights(c.department as unknown as Json, 'department', problems);
}
