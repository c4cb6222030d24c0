/** The answers the editing panel shows: a draft's what-if, a publish's result, a grid's history (DOM only). */
import { h } from '../dom.js';
import { formatArea } from '../ui.js';
import type { GridHistory, PublishResult, WhatIf } from './api.js';
import { changeText, referenceText } from './labels.js';

export function whatIfBlock(w: WhatIf): HTMLElement {
  const c = w.counts;
  return h(
    'div',
    { class: 'edit-whatif', 'data-field': 'what-if' },
    h('div', { class: 'subtitle' }, '影响分析'),
    h(
      'dl',
      {},
      h('dt', {}, '涉及在办案件'),
      h('dd', { 'data-count': 'examined' }, String(w.cases_examined)),
      h('dt', {}, '改变所在网格'),
      h('dd', { 'data-count': 'grid' }, String(c.grid)),
      h('dt', {}, '改变监督员责任区'),
      h('dd', { 'data-count': 'collector_area' }, String(c.collector_area)),
      h('dt', {}, '改派部门'),
      h('dd', { 'data-count': 'department' }, String(c.department)),
      h('dt', {}, '建议改派（已派遣）'),
      h('dd', { 'data-count': 'department_proposed' }, String(c.department_proposed)),
      h('dt', {}, '引用随之更新'),
      h('dd', { 'data-count': 'references' }, String(c.references)),
    ),
    w.cases.length > 0 &&
      h(
        'ol',
        { class: 'edit-cases' },
        ...w.cases.map((m) =>
          h(
            'li',
            { 'data-id': String(m.id) },
            `案件 ${m.id}：网格 ${m.grid.from ?? '无'} → ${m.grid.to ?? '无'}`,
            m.department.from !== m.department.to
              ? `；部门 ${m.department.from ?? '无'} → ${m.department.to ?? '无'}${m.department.follows ? '' : '（建议）'}`
              : '',
          ),
        ),
      ),
    w.references.length > 0 &&
      h('ul', { class: 'edit-references' }, ...w.references.map((r) => h('li', {}, referenceText(r)))),
  );
}

export function publishedBlock(p: PublishResult): HTMLElement {
  const r = p.reassigned;
  const line = (label: string, codes: string[], field: string) =>
    codes.length ? [h('dt', {}, label), h('dd', { class: 'mono', 'data-field': field }, codes.join('、'))] : [];
  return h(
    'div',
    { class: 'edit-published', 'data-field': 'published' },
    h('div', { class: 'subtitle' }, '已发布'),
    h(
      'dl',
      {},
      ...line('退役', p.retired, 'retired'),
      ...line('新建', p.created, 'created'),
      ...line('变更', p.changed, 'changed'),
      h('dt', {}, '重新分派'),
      h(
        'dd',
        { 'data-field': 'reassigned' },
        `检查 ${r.examined} 件，改变 ${r.changed} 件（改派部门 ${r.department_changed} 件，建议改派 ${r.proposed} 件）`,
      ),
    ),
    p.references.length > 0 &&
      h('ul', { class: 'edit-references' }, ...p.references.map((x) => h('li', {}, referenceText(x)))),
  );
}

export function historyBlock(hist: GridHistory): HTMLElement {
  return h(
    'div',
    { class: 'edit-history', 'data-field': 'history' },
    h(
      'ol',
      {},
      ...hist.versions.map((ver) =>
        h(
          'li',
          { 'data-version': String(ver.version) },
          h('div', {}, `第 ${ver.version} 版 · ${ver.name} · ${formatArea(ver.area_m2)}`),
          h('div', { class: 'muted' }, `${ver.initial_date} 至 ${ver.termination_date ?? '今'}`),
          ver.started_by && h('div', { class: 'muted' }, `始于：${changeText(ver.started_by)}`),
          ver.ended_by && h('div', { class: 'muted' }, `止于：${changeText(ver.ended_by)}`),
        ),
      ),
    ),
    hist.predecessors.length > 0 && h('p', { class: 'muted' }, `来自：${hist.predecessors.join('、')}`),
    hist.successors.length > 0 && h('p', { class: 'muted' }, `去向：${hist.successors.join('、')}`),
  );
}
