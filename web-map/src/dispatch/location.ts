/**
 * The case detail's 位置 and 部件 sections (DOM only):
 * - 位置: where the point came from (上报位置, 部件位置, 地址解析 with its score, 人工定位); for a case that needs a
 *   location (待定位): the geocoding candidates of its address, each placed with one click, and 在地图上定位 (the next
 *   click on the map places it);
 * - 部件: the linked component (关联部件) and the nearby components of the case's class (附近部件), each with 关联.
 * The buttons show only to roles the server lets place cases or link components (its OpenAPI `x-roles`).
 */
import type { Case, ComponentSuggestion, GeocodeCandidate } from '../api.js';
import { h } from '../dom.js';
import { errorText } from '../http.js';
import { levelLabel, percent } from '../place-labels.js';
import { LOCATION_SOURCE_LABELS } from './labels.js';

export interface PlaceOptions {
  /** The user may place cases (POST /api/cases/{id}/location). */
  canPlace: boolean;
  /** Places the case at a point; rejects with an ApiError to show. */
  place: (lon: number, lat: number) => Promise<void>;
  /** Starts 在地图上定位: the next click on the map calls `onPick`; `onEnd` when the mode ends. Returns a cancel. */
  pickOnMap: (onPick: (lon: number, lat: number) => void, onEnd: () => void) => () => void;
}

export interface LinkOptions {
  /** The user may link components (POST /api/cases/{id}/component). */
  canLink: boolean;
  /** Links a component; rejects with an ApiError to show. */
  link: (code: string) => Promise<void>;
  /** Opens the component panel (部件信息) for a code. */
  showComponent: (code: string) => void;
}

const row = (label: string, value: Node | string, field: string) => [
  h('dt', {}, label),
  h('dd', { 'data-field': field }, value),
];

/** "地址解析（匹配度 85%）", "上报位置", …; '' when the server does not say. */
export function sourceText(c: Case): string {
  const source = c.location_source;
  if (c.needs_location) return '待定位（地址未能解析到唯一位置）';
  if (!source) return '';
  const label = LOCATION_SOURCE_LABELS[source] ?? source;
  const score = c.geocode?.score;
  return source === 'geocoded' && typeof score === 'number' ? `${label}（匹配度 ${percent(score)}）` : label;
}

/** Runs a button's request: the section's buttons are disabled meanwhile and a refusal shows in `error`. */
function runner(section: HTMLElement, error: HTMLElement) {
  return async (what: string, fn: () => Promise<void>) => {
    error.hidden = true;
    section.classList.add('busy');
    for (const b of section.querySelectorAll<HTMLButtonElement>('button')) b.disabled = true;
    try {
      await fn(); // success re-renders the whole detail
    } catch (e) {
      error.textContent = `${what}失败：${errorText(e)}`;
      error.hidden = false;
      section.classList.remove('busy');
      for (const b of section.querySelectorAll<HTMLButtonElement>('button')) b.disabled = false;
    }
  };
}

function candidateItem(
  g: GeocodeCandidate,
  i: number,
  canPlace: boolean,
  run: (fn: () => Promise<void>) => void,
  place: PlaceOptions['place'],
) {
  return h(
    'li',
    { 'data-index': String(i), 'data-level': g.level, title: g.reasons?.join('；') || null },
    h('span', { class: 'candidate-address' }, g.address),
    h('span', { class: 'muted candidate-meta' }, `${levelLabel(g.level)} · ${percent(g.score)}`),
    canPlace &&
      h(
        'button',
        { type: 'button', class: 'small', 'data-place': String(i), onclick: () => run(() => place(g.lon, g.lat)) },
        '定位到此',
      ),
  );
}

export function locationSection(c: Case, opts: PlaceOptions): HTMLElement {
  const error = h('p', { class: 'section-error', role: 'alert', hidden: true });
  const section = h('section', { class: 'location', 'data-source': c.location_source ?? null });
  const run = runner(section, error);
  const { lon, lat } = c.location;
  const source = sourceText(c);
  section.append(
    h('h4', {}, '位置'),
    h(
      'dl',
      {},
      ...(source ? row('定位方式', source, 'location_source') : []),
      ...row('经纬度', lon !== null && lat !== null ? `${lon.toFixed(6)}, ${lat.toFixed(6)}` : '待定位', 'lonlat'),
    ),
  );
  if (c.needs_location) {
    const candidates = c.geocode?.candidates ?? [];
    section.append(
      h(
        'p',
        { class: 'needs-location', 'data-field': 'needs_location' },
        candidates.length
          ? '地址未能解析到唯一位置：请选择候选地址，或在地图上定位。'
          : '地址未能解析到位置：请在地图上定位。',
      ),
    );
    if (candidates.length)
      section.append(
        h(
          'ol',
          { class: 'geocode-candidates' },
          ...candidates.map((g, i) => candidateItem(g, i, opts.canPlace, (fn) => void run('定位', fn), opts.place)),
        ),
      );
    if (opts.canPlace) {
      let cancel: (() => void) | null = null;
      const button = h('button', { type: 'button', class: 'primary', 'data-locate': 'map' }, '在地图上定位');
      button.addEventListener('click', () => {
        if (cancel) return cancel();
        button.textContent = '取消地图定位';
        button.classList.add('on');
        cancel = opts.pickOnMap(
          (lon, lat) => void run('定位', () => opts.place(lon, lat)),
          () => {
            cancel = null;
            button.textContent = '在地图上定位';
            button.classList.remove('on');
          },
        );
      });
      section.append(h('div', { class: 'location-buttons' }, button));
    }
  }
  section.append(error);
  return section;
}

function suggestionItem(
  s: ComponentSuggestion,
  linked: boolean,
  opts: LinkOptions,
  run: (fn: () => Promise<void>) => void,
) {
  return h(
    'li',
    { 'data-code': s.code, class: linked ? 'linked' : null },
    h(
      'button',
      { type: 'button', class: 'link-like mono', title: '查看部件信息', onclick: () => opts.showComponent(s.code) },
      s.code,
    ),
    h(
      'span',
      { class: 'muted suggestion-meta' },
      [s.name, s.status, `约 ${s.distance_m < 10 ? s.distance_m.toFixed(1) : Math.round(s.distance_m)} 米`]
        .filter(Boolean)
        .join(' · '),
    ),
    linked
      ? h('span', { class: 'tag-linked' }, '已关联')
      : opts.canLink &&
          h(
            'button',
            { type: 'button', class: 'small', 'data-link': s.code, onclick: () => run(() => opts.link(s.code)) },
            '关联',
          ),
  );
}

/** The 部件 section, or null when the case has neither a linked component nor suggestions. */
export function componentSection(c: Case, opts: LinkOptions): HTMLElement | null {
  const suggestions = c.component_suggestions ?? [];
  const linked = c.component_code ?? null;
  if (!linked && !suggestions.length) return null;
  const error = h('p', { class: 'section-error', role: 'alert', hidden: true });
  const section = h('section', { class: 'components' });
  const run = runner(section, error);
  section.append(h('h4', {}, '部件'));
  if (linked)
    section.append(
      h(
        'p',
        { class: 'linked-component' },
        '已关联部件 ',
        h(
          'button',
          {
            type: 'button',
            class: 'link-like mono',
            'data-field': 'component_code',
            title: '查看部件信息',
            onclick: () => opts.showComponent(linked),
          },
          linked,
        ),
      ),
    );
  if (suggestions.length)
    section.append(
      h('div', { class: 'subtitle muted' }, `附近部件（${suggestions.length}）`),
      h(
        'ol',
        { class: 'component-suggestions' },
        ...suggestions.map((s) => suggestionItem(s, s.code === linked, opts, (fn) => void run('关联', fn))),
      ),
    );
  section.append(error);
  return section;
}
