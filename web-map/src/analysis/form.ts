/**
 * The 分析 panel's form (DOM only): the units (单元网格 / 社区), the period as a range of whole months, the case
 * category (大类 and 小类 from the category dictionary), the spatial relationship (邻接 or a distance in metres) and
 * the FDR correction; `readForm` turns it into the API's query or says what is wrong with it.
 */
import { listCategories } from '../api.js';
import { h } from '../dom.js';
import type { AnalysisQuery, Level, Weights } from './api.js';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const KIND_LABELS = { matter: '事件', component: '部件' } as const;

/** 'YYYY-MM' plus n months. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const t = y * 12 + (m - 1) + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}

/** The month of an instant in China Standard Time, 'YYYY-MM'. */
export const chinaMonth = (t = Date.now()) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 7);

/** The default period: the last twelve whole months (China Standard Time). */
export function defaultMonths(now = Date.now()): { from: string; to: string } {
  const current = chinaMonth(now);
  return { from: addMonths(current, -12), to: addMonths(current, -1) };
}

export interface AnalysisForm {
  el: HTMLFormElement;
  field<T extends HTMLElement = HTMLInputElement>(name: string): T;
}

export function buildForm(onSubmit: () => void): AnalysisForm {
  const { from, to } = defaultMonths();
  const month = (name: string, value: string, label: string) =>
    h('input', {
      type: 'month',
      name,
      value,
      required: true,
      pattern: '\\d{4}-\\d{2}',
      placeholder: '2025-01',
      'aria-label': label,
    });
  const row = (label: string, ...children: (Node | string)[]) =>
    h('div', { class: 'analysis-row' }, h('span', { class: 'analysis-label' }, label), ...children);
  const el = h(
    'form',
    { class: 'analysis-form', novalidate: true, autocomplete: 'off' },
    row(
      '分析单元',
      h(
        'select',
        { name: 'level', 'aria-label': '分析单元' },
        h('option', { value: 'grid' }, '单元网格'),
        h('option', { value: 'community' }, '社区'),
      ),
    ),
    row('时间', month('from', from, '起始月份'), h('span', { class: 'muted' }, '至'), month('to', to, '结束月份')),
    row(
      '案件类别',
      h('select', { name: 'major', 'aria-label': '大类' }, h('option', { value: '' }, '全部大类')),
      h('select', { name: 'minor', 'aria-label': '小类', disabled: true }, h('option', { value: '' }, '全部小类')),
    ),
    row(
      '空间关系',
      h(
        'select',
        { name: 'weights', 'aria-label': '空间关系' },
        h('option', { value: 'contiguity' }, '邻接（共边或共点）'),
        h('option', { value: 'distance' }, '距离范围内'),
      ),
      h(
        'label',
        { class: 'analysis-distance', hidden: true },
        h('input', { type: 'number', name: 'distance_m', min: 1, step: 1, value: 250, 'aria-label': '距离（米）' }),
        '米',
      ),
    ),
    h(
      'label',
      { class: 'analysis-check' },
      h('input', { type: 'checkbox', name: 'fdr' }),
      'FDR 校正（Benjamini–Hochberg，多重检验）',
    ),
    h('button', { type: 'submit', class: 'primary' }, '分析'),
  );
  const field = <T extends HTMLElement = HTMLInputElement>(name: string) => el.querySelector<T>(`[name="${name}"]`)!;
  field<HTMLSelectElement>('weights').addEventListener('change', () => {
    el.querySelector<HTMLElement>('.analysis-distance')!.hidden =
      field<HTMLSelectElement>('weights').value !== 'distance';
  });
  el.addEventListener('submit', (e) => {
    e.preventDefault();
    onSubmit();
  });
  return { el, field };
}

/** 大类 and 小类 from the category dictionary (`GET /api/categories`); the 小类 list follows the chosen 大类. */
export async function fillCategories(form: AnalysisForm): Promise<void> {
  const categories = await listCategories();
  const major = form.field<HTMLSelectElement>('major');
  const minor = form.field<HTMLSelectElement>('minor');
  const majors = new Map<string, { kind: 'matter' | 'component'; label: string }>();
  for (const c of categories)
    majors.set(`${c.kind}:${c.major_code}`, { kind: c.kind, label: `${c.major_code} ${c.major_name}` });
  for (const kind of ['matter', 'component'] as const) {
    const group = h('optgroup', { label: KIND_LABELS[kind] });
    for (const [key, m] of majors) if (m.kind === kind) group.append(h('option', { value: key }, m.label));
    if (group.children.length) major.append(group);
  }
  major.addEventListener('change', () => {
    minor.replaceChildren(h('option', { value: '' }, '全部小类'));
    for (const c of categories)
      if (`${c.kind}:${c.major_code}` === major.value)
        minor.append(h('option', { value: c.key }, `${c.code} ${c.name}`));
    minor.disabled = !major.value;
  });
}

/** The query the form describes, or a sentence saying what is wrong. */
export function readForm(form: AnalysisForm): AnalysisQuery | string {
  const from = form.field('from').value.trim();
  const to = form.field('to').value.trim();
  if (!MONTH.test(from) || !MONTH.test(to)) return '请按“2025-01”的格式填写起止月份';
  if (to < from) return '结束月份不能早于起始月份';
  const weights = form.field<HTMLSelectElement>('weights').value as Weights;
  const q: AnalysisQuery = {
    from: `${from}-01`,
    to: `${addMonths(to, 1)}-01`,
    level: form.field<HTMLSelectElement>('level').value as Level,
    weights,
    fdr: form.field('fdr').checked,
  };
  const category = form.field<HTMLSelectElement>('minor').value || form.field<HTMLSelectElement>('major').value;
  if (category) q.category = category;
  if (weights === 'distance') {
    const d = Number(form.field('distance_m').value);
    if (!form.field('distance_m').value || !Number.isFinite(d) || d <= 0) return '请填写距离（米）';
    q.distance_m = d;
  }
  return q;
}
