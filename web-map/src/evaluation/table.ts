/**
 * A sortable table of the 综合评价 page (DOM only): one header per column (a click sorts by it, again reverses;
 * numbers as numbers, no value last either way), the grade as a coloured badge. A long table (the grids of a city)
 * shows its first ROW_LIMIT rows in the chosen order, and says so: the downloads hold every row.
 */
import { h } from '../dom.js';
import type { Row } from './api.js';
import { cellText, type Column } from './columns.js';

/** Rows drawn at most (100,000 grids would be millions of cells); sorting works on all of them. */
export const ROW_LIMIT = 500;

export interface Sort {
  key: string;
  dir: 1 | -1;
}

/** Rows in the order of a sort: numbers by value, texts by code point (zh collation for names); nulls last. */
export function sortRows(rows: Row[], sort: Sort | null): Row[] {
  if (!sort) return rows;
  const collator = new Intl.Collator('zh-CN', { numeric: true });
  return [...rows].sort((a, b) => {
    const x = a[sort.key];
    const y = b[sort.key];
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
    if (y === null || y === undefined) return -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    return c * sort.dir;
  });
}

/** The table of `rows`; `onSort` is called with the new sort when a header is clicked. */
export function renderTable(
  columns: Column[],
  rows: Row[],
  sort: Sort | null,
  onSort: (s: Sort) => void,
  name: string,
): HTMLElement {
  const head = h(
    'tr',
    {},
    ...columns.map((c) => {
      const sorted = sort?.key === c.key;
      return h(
        'th',
        {
          scope: 'col',
          'data-key': c.key,
          'aria-sort': sorted ? (sort!.dir === 1 ? 'ascending' : 'descending') : 'none',
          class: c.kind === 'text' || c.kind === 'grade' || c.kind === 'bool' ? '' : 'num',
        },
        h(
          'button',
          {
            type: 'button',
            title: '点击排序',
            onclick: () =>
              onSort({
                key: c.key,
                // First click: highest first for figures, A first for grades, alphabetical for texts.
                dir: sorted ? (-sort!.dir as 1 | -1) : c.kind === 'text' || c.kind === 'grade' ? 1 : -1,
              }),
          },
          c.header,
          h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, sorted ? (sort!.dir === 1 ? '▲' : '▼') : ''),
        ),
      );
    }),
  );
  const body = sortRows(rows, sort)
    .slice(0, ROW_LIMIT)
    .map((r) =>
      h(
        'tr',
        {},
        ...columns.map((c) => {
          const v = r[c.key];
          if (c.kind === 'grade')
            return h(
              'td',
              { 'data-key': c.key },
              v ? h('span', { class: `grade grade-${String(v)}` }, String(v)) : '—',
            );
          return h(
            'td',
            { 'data-key': c.key, class: c.kind === 'text' || c.kind === 'bool' ? '' : 'num' },
            cellText(v, c.kind),
          );
        }),
      ),
    );
  const more = rows.length > ROW_LIMIT;
  return h(
    'div',
    { class: 'eval-table-wrap' },
    more &&
      h(
        'p',
        { class: 'muted eval-note', 'data-field': 'limit' },
        `共 ${rows.length.toLocaleString('zh-CN')} 行，按当前排序显示前 ${ROW_LIMIT} 行；全部数据请下载 CSV 或 XLSX。`,
      ),
    h(
      'table',
      { class: 'eval-table', 'data-table': name },
      h('thead', {}, head),
      h(
        'tbody',
        {},
        ...(body.length ? body : [h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, '本期没有数据'))]),
      ),
    ),
  );
}
