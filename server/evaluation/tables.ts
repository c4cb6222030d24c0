/**
 * From counts to the evaluation tables: rates (unrounded fractions, null for a zero denominator), 分值, 综合指标值 and
 * 评价等级 per STANDARDS §4 and the configuration (config.ts). Pure.
 */
import {
  countScore,
  densityScore,
  grade,
  perBandDays,
  rate,
  rateScore,
  weightedScore,
  type EvaluationConfig,
  type Grade,
} from './config.js';
import type { CollectorCounts, PostCounts } from './queries-people.js';
import type { DepartmentCounts, RegionCounts, SummaryCounts } from './queries.js';

type Rate = number | null;

export interface Summary {
  reported: number;
  filed: number;
  voided: number;
  to_dispose: number;
  disposed: number;
  disposed_on_time: number;
  to_close: number;
  closed: number;
  closed_on_time: number;
  rework: number;
  filing_rate: Rate;
  disposal_rate: Rate;
  on_time_disposal_rate: Rate;
  closure_rate: Rate;
  on_time_closure_rate: Rate;
}

/** 应处置数 = 应结案数 = the filed cases of the period. */
export function summary(c: SummaryCounts): Summary {
  return {
    reported: c.reported,
    filed: c.filed,
    voided: c.voided,
    to_dispose: c.filed,
    disposed: c.disposed,
    disposed_on_time: c.disposed_on_time,
    to_close: c.filed,
    closed: c.closed,
    closed_on_time: c.closed_on_time,
    rework: c.rework,
    filing_rate: rate(c.filed, c.reported),
    disposal_rate: rate(c.disposed, c.filed),
    on_time_disposal_rate: rate(c.disposed_on_time, c.filed),
    closure_rate: rate(c.closed, c.filed),
    on_time_closure_rate: rate(c.closed_on_time, c.filed),
  };
}

interface Scored {
  score: number | null;
  grade: Grade | null;
}
const scored = (score: number | null): Scored => ({ score, grade: grade(score) });

export interface DepartmentRow extends DepartmentCounts, Scored {
  to_close: number;
  disposal_rate: Rate;
  on_time_disposal_rate: Rate;
  rework_rate: Rate;
  closure_rate: Rate;
  on_time_closure_rate: Rate;
}

export function departmentRow(c: DepartmentCounts, cfg: EvaluationConfig): DepartmentRow {
  const w = cfg.department;
  const r = {
    disposal_rate: rate(c.disposed, c.to_dispose),
    on_time_disposal_rate: rate(c.disposed_on_time, c.to_dispose),
    rework_rate: rate(c.rework, c.to_dispose),
    closure_rate: rate(c.closed, c.to_dispose),
    on_time_closure_rate: rate(c.closed_on_time, c.to_dispose),
  };
  const score = weightedScore([
    { weight: w.disposal, value: rateScore(r.disposal_rate) },
    { weight: w.on_time_disposal, value: rateScore(r.on_time_disposal_rate) },
    { weight: w.rework, value: rateScore(r.rework_rate, true) },
    { weight: w.closure, value: rateScore(r.closure_rate) },
    { weight: w.on_time_closure, value: rateScore(r.on_time_closure_rate) },
  ]);
  return { ...c, to_close: c.to_dispose, ...r, ...scored(score) };
}

export interface CollectorRow extends CollectorCounts, Scored {
  valid_report_rate: Rate;
  on_time_verify_rate: Rate;
  on_time_check_rate: Rate;
}

/** 漏报 (missed reports) are not recorded: that term is left out and the other weights renormalised. */
export function collectorRow(c: CollectorCounts, cfg: EvaluationConfig): CollectorRow {
  const w = cfg.collector;
  const r = {
    valid_report_rate: rate(c.valid_reported, c.reported),
    on_time_verify_rate: rate(c.verified_on_time, c.verified),
    on_time_check_rate: rate(c.checked_on_time, c.checked),
  };
  const score = weightedScore([
    { weight: w.valid_report, value: rateScore(r.valid_report_rate) },
    { weight: w.missed_report, value: null },
    { weight: w.on_time_verify, value: rateScore(r.on_time_verify_rate) },
    { weight: w.on_time_check, value: rateScore(r.on_time_check_rate) },
  ]);
  return { ...c, ...r, ...scored(score) };
}

export interface RegionRow extends Scored {
  code: string;
  name: string | null;
  live: boolean;
  area_km2: number | null;
  reported: number;
  filed: number;
  public_filed: number;
  public_report_rate: Rate;
  to_close: number;
  closed: number;
  closed_on_time: number;
  closure_rate: Rate;
  on_time_closure_rate: Rate;
  /** Filed cases per km² per band_days days. */
  filed_density: number | null;
  filed_score: number | null;
}

/**
 * 监督举报率 = 监督举报核实数 (filed public reports) / 立案数, scored as (1 − rate) × 100: a region where the public has
 * to report what collectors did not find is managed worse. 立案数 is scored by its density (fewer is better).
 */
export function regionRow(c: RegionCounts, days: number, cfg: EvaluationConfig): RegionRow {
  const w = cfg.region.weights;
  const km2 = c.area_m2 === null ? null : c.area_m2 / 1e6;
  const density = km2 ? perBandDays(c.filed, days, cfg.band_days) / km2 : null;
  const r = {
    public_report_rate: rate(c.public_filed, c.filed),
    closure_rate: rate(c.closed, c.filed),
    on_time_closure_rate: rate(c.closed_on_time, c.filed),
  };
  const filedScore = densityScore(density, cfg.region.filed_density_bands);
  const score = weightedScore([
    { weight: w.public_report, value: rateScore(r.public_report_rate, true) },
    { weight: w.filed, value: filedScore },
    { weight: w.closure, value: rateScore(r.closure_rate) },
    { weight: w.on_time_closure, value: rateScore(r.on_time_closure_rate) },
  ]);
  return {
    code: c.code,
    name: c.name,
    live: c.live,
    area_km2: km2,
    reported: c.reported,
    filed: c.filed,
    public_filed: c.public_filed,
    public_report_rate: r.public_report_rate,
    to_close: c.filed,
    closed: c.closed,
    closed_on_time: c.closed_on_time,
    closure_rate: r.closure_rate,
    on_time_closure_rate: r.on_time_closure_rate,
    filed_density: density,
    filed_score: filedScore,
    ...scored(score),
  };
}

interface Person {
  actor_id: number | null;
  actor_name: string | null;
}

export interface AcceptorRow extends Person, Scored {
  accepted: number;
  accepted_score: number;
  verify_dispatched: number;
  verify_dispatched_on_time: number;
  on_time_verify_dispatch_rate: Rate;
}

export interface ShiftLeaderRow extends Person, Scored {
  filed: number;
  filed_on_time: number;
  on_time_filing_rate: Rate;
  filed_voided: number;
  accurately_filed: number;
  accurate_filing_rate: Rate;
  closed: number;
  closed_on_time: number;
  on_time_closing_rate: Rate;
}

export interface DispatcherRow extends Person, Scored {
  dispatched: number;
  dispatched_score: number;
  dispatched_on_time: number;
  on_time_dispatch_rate: Rate;
  redone: number;
  accurately_dispatched: number;
  accurate_dispatch_rate: Rate;
}

export interface Posts {
  acceptors: AcceptorRow[];
  shift_leaders: ShiftLeaderRow[];
  dispatchers: DispatcherRow[];
}

/**
 * The three post tables. Counts are banded per band_days days (the standard's bands are monthly). 核查按时派发率 has no
 * step in this workflow (核查 follows 处置反馈 directly): that term is left out and the weights renormalised.
 */
export function posts(rows: PostCounts[], days: number, cfg: EvaluationConfig): Posts {
  const out: Posts = { acceptors: [], shift_leaders: [], dispatchers: [] };
  for (const p of rows) {
    const person = { actor_id: p.actor_id, actor_name: p.actor_name };
    if (p.accepted > 0) {
      const w = cfg.acceptor.weights;
      const acceptedScore = countScore(perBandDays(p.accepted, days, cfg.band_days), cfg.acceptor.bands);
      const onTime = rate(p.verify_dispatched_on_time, p.verify_dispatched);
      const score = weightedScore([
        { weight: w.accepted, value: acceptedScore },
        { weight: w.on_time_verify_dispatch, value: rateScore(onTime) },
        { weight: w.on_time_check_dispatch, value: null },
      ]);
      out.acceptors.push({
        ...person,
        accepted: p.accepted,
        accepted_score: acceptedScore,
        verify_dispatched: p.verify_dispatched,
        verify_dispatched_on_time: p.verify_dispatched_on_time,
        on_time_verify_dispatch_rate: onTime,
        ...scored(score),
      });
    }
    if (p.filed > 0 || p.closed > 0) {
      const w = cfg.shift_leader;
      const accurately = p.filed - p.filed_voided;
      const r = {
        on_time_filing_rate: rate(p.filed_on_time, p.filed),
        accurate_filing_rate: rate(accurately, p.filed),
        on_time_closing_rate: rate(p.closed_on_time, p.closed),
      };
      const score = weightedScore([
        { weight: w.on_time_filing, value: rateScore(r.on_time_filing_rate) },
        { weight: w.accurate_filing, value: rateScore(r.accurate_filing_rate) },
        { weight: w.on_time_closing, value: rateScore(r.on_time_closing_rate) },
      ]);
      out.shift_leaders.push({
        ...person,
        filed: p.filed,
        filed_on_time: p.filed_on_time,
        on_time_filing_rate: r.on_time_filing_rate,
        filed_voided: p.filed_voided,
        accurately_filed: accurately,
        accurate_filing_rate: r.accurate_filing_rate,
        closed: p.closed,
        closed_on_time: p.closed_on_time,
        on_time_closing_rate: r.on_time_closing_rate,
        ...scored(score),
      });
    }
    if (p.dispatched > 0) {
      const w = cfg.dispatcher.weights;
      const dispatchedScore = countScore(perBandDays(p.dispatched, days, cfg.band_days), cfg.dispatcher.bands);
      const accurately = p.dispatched - p.redone;
      const r = {
        on_time_dispatch_rate: rate(p.dispatched_on_time, p.dispatched),
        accurate_dispatch_rate: rate(accurately, p.dispatched),
      };
      const score = weightedScore([
        { weight: w.dispatched, value: dispatchedScore },
        { weight: w.on_time_dispatch, value: rateScore(r.on_time_dispatch_rate) },
        { weight: w.accurate_dispatch, value: rateScore(r.accurate_dispatch_rate) },
      ]);
      out.dispatchers.push({
        ...person,
        dispatched: p.dispatched,
        dispatched_score: dispatchedScore,
        dispatched_on_time: p.dispatched_on_time,
        on_time_dispatch_rate: r.on_time_dispatch_rate,
        redone: p.redone,
        accurately_dispatched: accurately,
        accurate_dispatch_rate: r.accurate_dispatch_rate,
        ...scored(score),
      });
    }
  }
  return out;
}
