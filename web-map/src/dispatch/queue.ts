/** The case queue of the dispatch panel: three tabs (待处理 / 待定位 / 超期) and one row per case (DOM only). */
import type { Case } from '../api.js';
import { h, showMessage } from '../dom.js';
import { caseColor } from '../layers/cases.js';
import { currentDeadline, formatTime, relativeDeadline } from './labels.js';

export type Tab = 'pending' | 'locate' | 'overdue';

const TAB_LABELS: Record<Tab, string> = { pending: '待处理', locate: '待定位', overdue: '超期' };

export interface QueueView {
  readonly el: HTMLElement;
  /** Shows the cases of the current tab; `more` says the server has more than shown. */
  render(items: Case[], selectedId: string | null, more: boolean): void;
  setCounts(counts: Partial<Record<Tab, string>>): void;
  setMessage(text: string, kind?: 'error' | 'info'): void;
}

const placeOf = (c: Case): string => {
  const a = c.assignment;
  const name = (v: unknown) => (typeof v === 'string' ? v : ((v as { name?: string } | null)?.name ?? ''));
  return [name(a?.street), name(a?.community)].filter(Boolean).join(' · ');
};

function row(c: Case, selected: boolean, onSelect: (id: string) => void): HTMLElement {
  const deadline = currentDeadline(c);
  const rel = deadline ? relativeDeadline(deadline) : null;
  const late = c.overdue || !!rel?.late;
  return h(
    'li',
    {},
    h(
      'button',
      {
        type: 'button',
        class: `case-row${selected ? ' selected' : ''}${late ? ' late' : ''}`,
        'data-id': String(c.id),
        'data-case-no': c.case_no,
        'data-state': c.state,
        'aria-current': selected ? 'true' : null,
        onclick: () => onSelect(String(c.id)),
      },
      h(
        'span',
        { class: 'row-top' },
        h('span', { class: 'case-no mono' }, c.case_no),
        h('span', { class: 'badge', style: `--badge:${caseColor(c)}` }, c.state_label),
        c.outside_coverage && h('span', { class: 'tag-outside', title: '上报位置不在任何单元网格内' }, '越界'),
        c.needs_location && h('span', { class: 'tag-locate', title: '地址未能解析到唯一位置，需人工定位' }, '待定位'),
      ),
      h('span', { class: 'row-category' }, c.category.name),
      h(
        'span',
        { class: 'row-bottom' },
        h('span', { class: 'row-place muted' }, placeOf(c) || '—'),
        rel &&
          h(
            'time',
            { class: `deadline${late ? ' late' : ''}`, datetime: deadline, title: `时限 ${formatTime(deadline)}` },
            rel.text,
          ),
      ),
    ),
  );
}

export function createQueue(onTab: (tab: Tab) => void, onSelect: (id: string) => void): QueueView {
  const tab = (t: Tab) =>
    h(
      'button',
      { type: 'button', role: 'tab', 'data-tab': t, 'aria-selected': String(t === 'pending') },
      TAB_LABELS[t],
      h('span', { class: 'count' }),
    );
  const tabs: Record<Tab, HTMLButtonElement> = {
    pending: tab('pending'),
    locate: tab('locate'),
    overdue: tab('overdue'),
  };
  const list = h('ol', { class: 'case-queue', 'aria-live': 'polite' });
  const message = h('p', { class: 'queue-message', hidden: true });
  for (const [tab, button] of Object.entries(tabs) as [Tab, HTMLButtonElement][]) {
    button.addEventListener('click', () => {
      for (const [t, b] of Object.entries(tabs)) b.setAttribute('aria-selected', String(t === tab));
      onTab(tab);
    });
  }
  const el = h(
    'div',
    { class: 'queue' },
    h('div', { class: 'tabs', role: 'tablist' }, tabs.pending, tabs.locate, tabs.overdue),
    list,
    message,
  );

  return {
    el,
    render(items, selectedId, more) {
      list.replaceChildren(...items.map((c) => row(c, String(c.id) === selectedId, onSelect)));
      if (!items.length) list.append(h('li', { class: 'empty muted' }, '暂无案件'));
      if (more) list.append(h('li', { class: 'more muted' }, '仅显示最新 100 件'));
    },
    setCounts(counts) {
      for (const [tab, button] of Object.entries(tabs) as [Tab, HTMLButtonElement][]) {
        button.querySelector('.count')!.textContent = counts[tab] ?? '—';
      }
    },
    setMessage(text, kind = 'info') {
      showMessage(message, text, kind, 'queue-message');
    },
  };
}
