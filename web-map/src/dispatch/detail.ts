/**
 * The case detail of the dispatch panel: location (location.ts), components, assignment and its reasons,
 * deadlines, history and the action buttons (DOM only). Actions that need a note or a department open a small
 * inline form first.
 */
import type { ActionBody, Case, CaseEvent, Department } from '../api.js';
import { h } from '../dom.js';
import { errorText } from '../http.js';
import { caseColor, OVERDUE_COLOR } from '../layers/cases.js';
import { CHANNEL_LABELS, DANGER_ACTIONS, formatTime, named, relativeDeadline } from './labels.js';
import { componentSection, locationSection, type LinkOptions, type PlaceOptions } from './location.js';
import type { Workflow } from './workflow.js';

export interface DetailOptions extends PlaceOptions, LinkOptions {
  /** False for read-only users: no action buttons. */
  canAct: boolean;
  /** State and action labels and what actions need, from the server. */
  workflow: Workflow;
  departments: () => Promise<Department[]>;
  /** Runs an action; rejects with an ApiError to show. */
  act: (body: ActionBody) => Promise<void>;
  close: () => void;
}

const AREA_CLASS: Record<string, string> = { A: 'A 类（核心区域）', B: 'B 类（重点区域）', C: 'C 类（一般区域）' };

const row = (label: string, value: Node | string, field?: string) => [
  h('dt', {}, label),
  h('dd', field ? { 'data-field': field } : {}, value),
];

function deadlineText(iso: string | null): Node | string {
  if (!iso) return '—';
  const rel = relativeDeadline(iso);
  return h(
    'span',
    {},
    formatTime(iso),
    ' ',
    h('span', { class: `deadline${rel.late ? ' late' : ''}` }, `（${rel.text}）`),
  );
}

function assignmentSection(c: Case): HTMLElement {
  const a = c.assignment;
  if (!a)
    return h(
      'section',
      { class: 'assignment' },
      h('h4', {}, '责任归属'),
      h('p', { class: 'muted' }, '尚未计算责任归属'),
    );
  const dept = a.department;
  // Names and phones reach only the roles that may see them (the server leaves them out otherwise): show the code then.
  const collectors = a.collectors.map((p) => `${p.name ?? p.code}${p.phone ? ` ${p.phone}` : ''}`).join('、');
  const candidates = a.candidates ?? [];
  return h(
    'section',
    { class: 'assignment' },
    h('h4', {}, '责任归属'),
    h(
      'dl',
      {},
      ...row(
        '单元网格',
        a.grid ? named(a.grid) : h('span', { class: 'tag-outside' }, '越界（不在任何网格内）'),
        'grid',
      ),
      ...row('社区', named(a.community), 'community'),
      ...row('街道', named(a.street), 'street'),
      ...row('区域类别', AREA_CLASS[a.area_class] ?? (a.area_class || '—'), 'area_class'),
      ...row('监督员', collectors || (a.collector_area ? `${a.collector_area.name}（未配人员）` : '—'), 'collectors'),
      ...row(
        '责任部门',
        dept ? `${dept.name}（${dept.code}）${dept.kind ? ` · ${dept.kind}` : ''}` : '未确定',
        'department',
      ),
    ),
    h('p', { class: 'why', 'data-field': 'why' }, a.why),
    candidates.length > 0 &&
      h(
        'details',
        { class: 'candidates' },
        h('summary', {}, `其他候选规则 ${candidates.length} 条`),
        h(
          'ul',
          {},
          ...candidates.map((r) =>
            h('li', {}, h('b', {}, r.name || `规则 ${r.rule_id}`), ` → ${r.department_code}：`, r.lost_because),
          ),
        ),
      ),
  );
}

function eventItem(e: CaseEvent, wf: Workflow): HTMLElement {
  const change =
    e.from_state && e.to_state && e.from_state !== e.to_state
      ? `${wf.stateLabel(e.from_state)} → ${wf.stateLabel(e.to_state)}`
      : '';
  return h(
    'li',
    { 'data-action': e.action },
    h(
      'div',
      { class: 'event-head' },
      h('b', {}, wf.actionLabel(e.action)),
      change && h('span', { class: 'muted' }, change),
      h('time', { class: 'muted', datetime: e.at }, formatTime(e.at)),
    ),
    (e.actor_name || e.note) &&
      h(
        'div',
        { class: 'event-body' },
        e.actor_name && h('span', { class: 'muted' }, e.actor_name),
        e.note && h('span', { class: 'note' }, e.note),
      ),
  );
}

/** The action bar: one button per allowed action; note/department actions open an inline form. */
function actionsSection(c: Case, opts: DetailOptions): HTMLElement {
  const wf = opts.workflow;
  const error = h('p', { class: 'action-error', role: 'alert', hidden: true });
  const form = h('form', { class: 'action-form', hidden: true, novalidate: true });
  const buttons = h('div', { class: 'action-buttons' });
  const section = h('section', { class: 'actions' }, h('h4', {}, '办理'), buttons, form, error);
  const busy = (on: boolean) => {
    section.classList.toggle('busy', on);
    for (const b of section.querySelectorAll<HTMLButtonElement>('button')) b.disabled = on;
  };
  const run = async (body: ActionBody) => {
    error.hidden = true;
    busy(true);
    try {
      await opts.act(body); // success re-renders the whole detail
    } catch (e) {
      error.textContent = `操作失败：${errorText(e)}`;
      error.hidden = false;
      busy(false);
    }
  };

  const openForm = async (action: string) => {
    const label = wf.actionLabel(action);
    const needsNote = wf.needsNote(action);
    const note = h('textarea', {
      name: 'note',
      rows: 2,
      placeholder: needsNote ? `请填写${label}说明（必填）` : '说明（选填）',
      required: needsNote,
    });
    const fields: HTMLElement[] = [];
    let select: HTMLSelectElement | null = null;
    if (wf.namesDepartment(action)) {
      // 派遣 defaults to the assigned department; 改派 must name another one.
      const current = c.assignment?.department ?? null;
      const reassign = action === 'reassign';
      select = h('select', { name: 'department_code', 'aria-label': '处置部门', required: true });
      if (reassign) select.append(h('option', { value: '' }, '请选择新的处置部门'));
      if (current)
        select.append(
          h(
            'option',
            { value: current.code, disabled: reassign },
            `${current.name}（${current.code}）${reassign ? ' · 当前' : ''}`,
          ),
        );
      fields.push(h('label', {}, reassign ? '改派至' : '处置部门', select));
      opts
        .departments()
        .then((list) => {
          for (const d of list)
            if (d.code !== current?.code) select!.append(h('option', { value: d.code }, `${d.name}（${d.code}）`));
        })
        .catch((e: unknown) => {
          error.textContent = `部门列表加载失败：${errorText(e)}`;
          error.hidden = false;
        });
    }
    fields.push(h('label', {}, needsNote ? '说明' : '说明（选填）', note));
    form.replaceChildren(
      h('div', { class: 'form-title' }, label),
      ...fields,
      h(
        'div',
        { class: 'form-buttons' },
        h('button', { type: 'submit', class: 'primary', 'data-confirm': action }, `确定${label}`),
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              form.hidden = true;
            },
          },
          '取消',
        ),
      ),
    );
    form.onsubmit = (ev) => {
      ev.preventDefault();
      const text = note.value.trim();
      if (select && !select.value) {
        error.textContent = '请选择处置部门';
        error.hidden = false;
        select.focus();
        return;
      }
      if (needsNote && !text) {
        error.textContent = `请填写${label}说明`;
        error.hidden = false;
        note.focus();
        return;
      }
      void run({
        action,
        ...(text ? { note: text } : {}),
        ...(select?.value ? { department_code: select.value } : {}),
      });
    };
    form.hidden = false;
    error.hidden = true;
    (select ?? note).focus();
  };

  for (const action of c.allowed_actions) {
    const inline = wf.needsNote(action) || wf.namesDepartment(action);
    buttons.append(
      h(
        'button',
        {
          type: 'button',
          'data-action': action,
          class: DANGER_ACTIONS.has(action) ? 'danger' : 'primary',
          onclick: () => (inline ? void openForm(action) : void run({ action })),
        },
        wf.actionLabel(action),
      ),
    );
  }
  if (!c.allowed_actions.length) buttons.append(h('span', { class: 'muted' }, '当前状态下没有可办理的操作'));
  return section;
}

export function renderDetail(c: Case, opts: DetailOptions): HTMLElement {
  const color = caseColor(c);
  const events = c.events ?? [];
  return h(
    'article',
    { class: 'case-detail', 'data-id': String(c.id), 'data-state': c.state, 'data-case-no': c.case_no },
    h(
      'header',
      {},
      h(
        'div',
        {},
        h('h3', { class: 'mono' }, c.case_no),
        h('span', { class: 'badge', style: `--badge:${color}`, 'data-field': 'state' }, c.state_label),
        c.overdue && h('span', { class: 'badge', style: `--badge:${OVERDUE_COLOR}` }, '超期'),
        c.outside_coverage && h('span', { class: 'tag-outside' }, '越界'),
        c.needs_location && h('span', { class: 'tag-locate' }, '待定位'),
      ),
      h('button', { type: 'button', class: 'close', 'aria-label': '关闭', title: '关闭', onclick: opts.close }, '×'),
    ),
    h(
      'p',
      { class: 'case-category' },
      `${c.category.major_name} · ${c.category.name}`,
      h('span', { class: 'muted' }, ` · ${CHANNEL_LABELS[c.channel] ?? c.channel}`),
    ),
    h('p', { class: 'case-description' }, c.description),
    c.address &&
      h(
        'p',
        { class: 'muted', 'data-field': 'address' },
        c.address,
        c.address_source === 'reverse' && h('span', { class: 'address-note' }, '（据位置生成）'),
      ),
    locationSection(c, opts),
    componentSection(c, opts),
    assignmentSection(c),
    h(
      'section',
      { class: 'deadlines' },
      h('h4', {}, '时限'),
      h(
        'dl',
        {},
        ...row('上报时间', formatTime(c.reported_at)),
        ...row('阶段时限', deadlineText(c.deadlines.stage), 'stage_deadline'),
        ...row('处置时限', deadlineText(c.deadlines.dispose), 'dispose_deadline'),
        ...(c.urge_count ? row('督办', `${c.urge_count} 次`) : []),
        ...(c.rework_count ? row('返工', `${c.rework_count} 次`) : []),
      ),
    ),
    opts.canAct && actionsSection(c, opts),
    h(
      'section',
      { class: 'history' },
      h('h4', {}, `办理记录（${events.length}）`),
      events.length
        ? h('ol', { class: 'events' }, ...events.map((e) => eventItem(e, opts.workflow)))
        : h('p', { class: 'muted' }, '暂无记录'),
    ),
  );
}
