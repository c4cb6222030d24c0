/** Chinese words of the editing mode: edit operations, a step's summary, a history version's change. */
import type { ChangeRef, DraftStep, ReferenceChange } from './api.js';

export const OP_LABELS: Record<string, string> = {
  split: '拆分',
  merge: '合并',
  reshape: '调整边界',
  retire: '退役',
  create: '新建',
  rename: '改名',
  move: '移至社区',
};

const VERTEX_LABELS: Record<string, string> = { move: '移动顶点', add: '添加顶点', delete: '删除顶点' };

export const REFERENCE_LABELS: Record<ReferenceChange['kind'], string> = {
  collector_area: '监督员责任区',
  rule: '责任规则',
  area_class: '区域类别',
};

const list = (v: unknown) => (Array.isArray(v) ? v.join('、') : String(v ?? ''));

/** One line for an edit's summary, e.g. "拆分 990001001001004 → 990001001001007、990001001001008". */
export function summaryText(s: Record<string, unknown>): string {
  switch (s.op) {
    case 'split':
      return `拆分 ${s.code} → ${list(s.into)}`;
    case 'merge':
      return `合并 ${list(s.codes)} → ${s.into}`;
    case 'reshape': {
      const n = Array.isArray(s.changed) ? s.changed.length : 0;
      return `${VERTEX_LABELS[String(s.action)] ?? '调整边界'}（${s.code}，${n} 个要素随之调整）`;
    }
    case 'retire':
      return `退役 ${s.code}（面积并入 ${s.to}）`;
    case 'create':
      return `新建 ${s.code}（${s.community_code}）`;
    case 'rename':
      return `改名 ${s.code}：${s.from} → ${s.to}`;
    case 'move':
      return `移至社区 ${s.community_code}：${s.code} → ${s.to}`;
    default:
      return OP_LABELS[String(s.op)] ?? String(s.op);
  }
}

export const stepText = (s: DraftStep) => summaryText({ op: s.op, ...s.summary });

/** "2026-05-01 张三 · 拆分 …" for a history version's start or end. */
export function changeText(c: ChangeRef | null): string {
  if (!c) return '';
  const when = new Date(c.at).toLocaleString('zh-CN', { hour12: false });
  const ops = c.ops.map((o) => summaryText(o)).join('；');
  return `${when} ${c.actor}${c.draft && c.draft !== '直接编辑' ? `（草稿「${c.draft}」）` : ''} · ${ops}`;
}

export const referenceText = (r: ReferenceChange) =>
  `${REFERENCE_LABELS[r.kind] ?? r.kind}「${r.name}」：${r.from.join('、')} → ${r.to.join('、') || '（无）'}`;
