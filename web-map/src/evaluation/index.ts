/**
 * 综合评价 (GB/T 30428.4) in the web map's bundle: a route of the app, `#/evaluation` (optionally
 * `?from=YYYY-MM-DD&to=YYYY-MM-DD`), and a 评价 map control that opens it — both only for roles the server lets read
 * the evaluation (the `x-roles` of `GET /api/evaluation/summary` in its OpenAPI document, never retyped). The page
 * (page.ts) and its charts (charts.ts, ECharts) are chunks loaded on first use.
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { Me } from '../api.js';
import { h } from '../dom.js';
import type { Period } from './api.js';
import type { EvaluationPage } from './page.js';
import { DATE } from './period.js';

/** The route whose `x-roles` say who may read the evaluation. */
export const EVALUATION_ROUTE = 'get /api/evaluation/summary';
const HASH = /^#\/evaluation(?:\?(.*))?$/;

/** For tests and the console: `window.__wangge.evaluation`. */
export interface EvaluationHandle {
  /** Opens the page (the route `#/evaluation`), for a period or the one shown last (else 本年). */
  open(period?: Period): Promise<void>;
  /** Back to the map. */
  close(): void;
  /** The page once loaded (its state, tables and charts), else null. */
  page(): EvaluationPage | null;
  /** Resolves when the page has nothing loading. */
  idle(): Promise<void>;
}

/** The period a `#/evaluation?from=…&to=…` address names, if any. */
function periodOf(hash: string): Period | undefined {
  const q = new URLSearchParams(HASH.exec(hash)?.[1] ?? '');
  const from = q.get('from');
  const to = q.get('to');
  return from && to && DATE.test(from) && DATE.test(to) && from < to ? { from, to } : undefined;
}

export function startEvaluation(opts: {
  map: MaplibreMap;
  me: Me | null;
  roles: Map<string, string[]> | null;
}): EvaluationHandle | null {
  const { me, roles, map } = opts;
  if (!me || !roles?.get(EVALUATION_ROUTE)?.includes(me.role)) return null;
  let page: EvaluationPage | null = null;
  let loading: Promise<EvaluationPage> | null = null;
  const load = () =>
    (loading ??= import('./page.js').then(({ createEvaluationPage }) => (page = createEvaluationPage(me.name, close))));

  const button = h('button', { type: 'button', class: 'evaluation-toggle', title: '综合评价' }, '评价');
  const control = h('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group evaluation-control' }, button);
  map.addControl({ onAdd: () => control, onRemove: () => control.remove() }, 'top-right');
  button.addEventListener('click', () => {
    location.hash = '#/evaluation';
  });

  let opened: Promise<void> = Promise.resolve();
  async function route(): Promise<void> {
    if (!HASH.test(location.hash)) {
      page?.hide();
      return;
    }
    const p = await load();
    await p.show(periodOf(location.hash));
  }
  const follow = () => (opened = route());
  window.addEventListener('hashchange', follow);
  follow();

  function close(): void {
    history.pushState(null, '', location.pathname + location.search);
    page?.hide();
  }

  return {
    async open(period) {
      const hash = period ? `#/evaluation?from=${period.from}&to=${period.to}` : '#/evaluation';
      if (location.hash === hash && page) return page.show(period);
      location.hash = hash;
      await new Promise((r) => setTimeout(r));
      await opened;
    },
    close,
    page: () => page,
    idle: async () => {
      await opened;
      await page?.idle();
    },
  };
}
