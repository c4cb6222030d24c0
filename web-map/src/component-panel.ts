/**
 * The component panel (部件信息): what `GET /api/components/{code}` says about a clicked component, in the style of
 * the grid info panel, and the components legend (major classes from the category dictionary). Both answers of the
 * API — the census one and the older minimal one — are read; a field the answer lacks is left out of the panel.
 */
import type { Category, ComponentDept, ComponentRecord } from './api.js';
import { $, h } from './dom.js';
import { DAMAGED_COLOR, DAMAGED_STATES, MAJOR_COLORS, OTHER_MAJOR_COLOR } from './layers/components.js';

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v).trim());

/** "name（code）", or whichever of the two there is. */
function dept(obj: ComponentDept | null | undefined, code: unknown, name: unknown): string {
  const c = text(obj?.code ?? code);
  const n = text(obj?.name ?? name);
  return n && c ? `${n}（${c}）` : n || c;
}

const ACCURACY: Record<string, string> = { A: 'A 级', B: 'B 级', C: 'C 级' };

/** The rows of the panel: [label, text, field name]; empty ones are left out (the code and status never are). */
export function componentRows(c: ComponentRecord, classes: Map<string, Category>): [string, string, string][] {
  const cls = text(c.class ?? c.category_code);
  const known = classes.get(cls);
  const className = text(c.class_name ?? c.category_name) || known?.name || '';
  const major = known?.major_name ?? '';
  const classText = [major, className ? `${className}（${cls}）` : cls].filter(Boolean).join(' · ');
  const given = text(c.given_grid_code);
  const grid = text(c.grid_code);
  const rows: [string, string, string][] = [
    ['编码', text(c.code), 'code'],
    ['类别', classText, 'class'],
    ['名称', text(c.name), 'name'],
    ['状态', text(c.status) || '未知', 'status'],
    ['主管部门', dept(c.owner, c.owner_code, c.owner_name), 'owner'],
    ['权属单位', dept(c.title, c.title_code, c.title_name), 'title'],
    ['养护单位', dept(c.maintainer, c.maintainer_code, c.maintainer_name), 'maintainer'],
    ['所在网格', grid, 'grid'],
    ['普查填报网格', given && given !== grid ? `${given}（与位置不符）` : given, 'given-grid'],
    ['初始日期', text(c.initial_date), 'initial-date'],
    ['变更日期', text(c.change_date), 'change-date'],
    ['数据来源', text(c.data_source), 'data-source'],
    ['定位精度', ACCURACY[text(c.accuracy)] ?? text(c.accuracy), 'accuracy'],
    ['备注', text(c.note), 'note'],
  ];
  return rows.filter(([, v, f]) => v || f === 'code' || f === 'status');
}

export function showComponent(c: ComponentRecord, classes: Map<string, Category>): void {
  const panel = $('#component-info');
  const dl = panel.querySelector('dl')!;
  dl.replaceChildren(
    ...componentRows(c, classes).flatMap(([label, value, field]) => [
      h('dt', {}, label),
      h(
        'dd',
        {
          'data-field': field,
          class: field === 'code' || field.endsWith('grid') ? 'mono' : null,
          style: field === 'status' && DAMAGED_STATES.includes(value) ? `color: ${DAMAGED_COLOR}` : null,
        },
        value,
      ),
    ]),
  );
  panel.dataset.code = c.code;
  panel.hidden = false;
}

export function hideComponent(): void {
  const panel = $('#component-info');
  panel.hidden = true;
  delete panel.dataset.code;
}

export function onComponentClose(fn: () => void): void {
  $('#component-close').addEventListener('click', fn);
}

/** The legend's components entries: one swatch per major class of the dictionary, and the red ring's meaning. */
export function showComponentLegend(classes: Category[]): void {
  const majors = new Map<string, string>();
  for (const c of classes) if (!majors.has(c.major_code)) majors.set(c.major_code, c.major_name);
  const dot = (color: string, ring = '#ffffff') =>
    h('span', { class: 'swatch swatch-component', style: `background: ${color}; border-color: ${ring}` });
  const list = $('#component-legend');
  list.replaceChildren(
    h('li', { class: 'legend-subtitle' }, '部件（按大类）'),
    ...[...majors]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, name]) => h('li', { 'data-major': code }, dot(MAJOR_COLORS[code] ?? OTHER_MAJOR_COLOR), name)),
    h('li', {}, dot('#ffffff', DAMAGED_COLOR), `红圈为${DAMAGED_STATES.join('、')}`),
    h('li', {}, h('span', { class: 'swatch swatch-count' }, 'n'), '网格内部件数'),
  );
  list.hidden = false;
}
