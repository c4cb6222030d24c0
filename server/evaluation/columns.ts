/**
 * The columns of the evaluation tables: the API field, the Chinese header of a yearly report (上报数, 立案数 … 综合指标值,
 * 评价等级) and how a value reads. One list serves the CSV/XLSX downloads (export.ts) and the 综合评价 page, which
 * reads it from GET /api/evaluation/columns instead of retyping it.
 */
/** How a value reads: text, an integer, a rate (fraction 0–1), a score, a grade (A–E), yes/no, a decimal. */
export type Kind = 'text' | 'int' | 'rate' | 'score' | 'grade' | 'bool' | { decimals: number };

export interface Column {
  key: string;
  header: string;
  kind: Kind;
}

const col = (key: string, header: string, kind: Kind = 'int'): Column => ({ key, header, kind });
const SCORE = [col('score', '综合指标值', 'score'), col('grade', '评价等级', 'grade')];

export const SUMMARY_COLUMNS: Column[] = [
  col('reported', '上报数'),
  col('filed', '立案数'),
  col('voided', '作废数'),
  col('to_dispose', '应处置数'),
  col('disposed', '处置数'),
  col('disposed_on_time', '按期处置数'),
  col('to_close', '应结案数'),
  col('closed', '结案数'),
  col('closed_on_time', '按期结案数'),
  col('rework', '返工数'),
  col('filing_rate', '立案率', 'rate'),
  col('disposal_rate', '处置率', 'rate'),
  col('on_time_disposal_rate', '按期处置率', 'rate'),
  col('closure_rate', '结案率', 'rate'),
  col('on_time_closure_rate', '按期结案率', 'rate'),
];

export const DEPARTMENT_COLUMNS: Column[] = [
  col('department_code', '部门代码', 'text'),
  col('department_name', '部门名称', 'text'),
  col('to_dispose', '应处置数'),
  col('disposed', '处置数'),
  col('disposed_on_time', '按期处置数'),
  col('rework', '返工数'),
  col('to_close', '应结案数'),
  col('closed', '结案数'),
  col('closed_on_time', '按期结案数'),
  col('disposal_rate', '处置率', 'rate'),
  col('on_time_disposal_rate', '按期处置率', 'rate'),
  col('rework_rate', '返工率', 'rate'),
  col('closure_rate', '结案率', 'rate'),
  col('on_time_closure_rate', '按期结案率', 'rate'),
  ...SCORE,
];

export const COLLECTOR_COLUMNS: Column[] = [
  col('collector_code', '监督员编号', 'text'),
  col('collector_name', '监督员姓名', 'text'),
  col('reported', '上报数'),
  col('valid_reported', '有效上报数'),
  col('valid_report_rate', '有效上报率', 'rate'),
  col('verified', '核实数'),
  col('verified_on_time', '按时核实数'),
  col('on_time_verify_rate', '按时核实率', 'rate'),
  col('checked', '核查数'),
  col('checked_on_time', '按时核查数'),
  col('on_time_check_rate', '按时核查率', 'rate'),
  ...SCORE,
];

export const LEVEL_NAME = { street: '街道', community: '社区', grid: '网格' } as const;

export const regionColumns = (level: keyof typeof LEVEL_NAME, bandDays: number): Column[] => [
  col('code', `${LEVEL_NAME[level]}代码`, 'text'),
  col('name', `${LEVEL_NAME[level]}名称`, 'text'),
  col('live', '现行', 'bool'),
  col('area_km2', '面积（平方公里）', { decimals: 6 }),
  col('reported', '上报数'),
  col('filed', '立案数'),
  col('public_filed', '监督举报核实数'),
  col('public_report_rate', '监督举报率', 'rate'),
  col('to_close', '应结案数'),
  col('closed', '结案数'),
  col('closed_on_time', '按期结案数'),
  col('closure_rate', '结案率', 'rate'),
  col('on_time_closure_rate', '按期结案率', 'rate'),
  col('filed_density', `立案密度（件/平方公里/${bandDays}天）`, { decimals: 2 }),
  col('filed_score', '立案数分值', 'score'),
  ...SCORE,
];

export const ACCEPTOR_COLUMNS: Column[] = [
  col('actor_id', '人员ID'),
  col('actor_name', '受理员', 'text'),
  col('accepted', '受理数'),
  col('accepted_score', '受理数分值', 'score'),
  col('verify_dispatched', '核实派发数'),
  col('verify_dispatched_on_time', '核实按时派发数'),
  col('on_time_verify_dispatch_rate', '核实按时派发率', 'rate'),
  ...SCORE,
];

export const SHIFT_LEADER_COLUMNS: Column[] = [
  col('actor_id', '人员ID'),
  col('actor_name', '值班长', 'text'),
  col('filed', '立案数'),
  col('filed_on_time', '按时立案数'),
  col('on_time_filing_rate', '按时立案率', 'rate'),
  col('filed_voided', '作废数'),
  col('accurately_filed', '准确立案数'),
  col('accurate_filing_rate', '准确立案率', 'rate'),
  col('closed', '结案数'),
  col('closed_on_time', '按时结案数'),
  col('on_time_closing_rate', '按时结案率', 'rate'),
  ...SCORE,
];

export const DISPATCHER_COLUMNS: Column[] = [
  col('actor_id', '人员ID'),
  col('actor_name', '派遣员', 'text'),
  col('dispatched', '派遣数'),
  col('dispatched_score', '派遣数分值', 'score'),
  col('dispatched_on_time', '按时派遣数'),
  col('on_time_dispatch_rate', '按时派遣率', 'rate'),
  col('redone', '返工数'),
  col('accurately_dispatched', '准确派遣数'),
  col('accurate_dispatch_rate', '准确派遣率', 'rate'),
  ...SCORE,
];

/** Every table's columns, as GET /api/evaluation/columns serves them (region headers name the banding period). */
export function evaluationColumns(bandDays: number) {
  return {
    summary: SUMMARY_COLUMNS,
    departments: DEPARTMENT_COLUMNS,
    collectors: COLLECTOR_COLUMNS,
    regions: {
      street: regionColumns('street', bandDays),
      community: regionColumns('community', bandDays),
      grid: regionColumns('grid', bandDays),
    },
    posts: { acceptors: ACCEPTOR_COLUMNS, shift_leaders: SHIFT_LEADER_COLUMNS, dispatchers: DISPATCHER_COLUMNS },
    band_days: bandDays,
  };
}
