/**
 * The search box (#search): one input for unit-grid codes, component codes, addresses, landmarks and region names.
 *
 * - 15 digits → the unit grid (GET /api/grids/{code}): its panel opens and the map fits it;
 * - 16 or 17 digits → the component (GET /api/components/{code}): the map flies to it and its panel opens;
 * - anything else → forward geocoding (GET /api/geocode): the candidates, best first, in a list under the box
 *   (address, level 门牌/插值门牌/地标/道路/社区/街道/区, score as a percentage), shown as you type and on 查找.
 *   Choosing one flies there and drops a marker whose popup names the address, the unit grid, community and street.
 *
 * Keyboard: Enter searches, or picks the highlighted candidate (the first when none is); ↑/↓ move through the list;
 * Esc closes it. Full-width digits count as digits; Enter while an input method is composing is left to it.
 */
import { Marker, Popup, type Map as MaplibreMap } from 'maplibre-gl';
import {
  COMPONENT_CODE,
  fetchGrid,
  geocode,
  GRID_CODE,
  type GeocodeCandidate,
  type GeocodeLevel,
  type GridProperties,
} from './api.js';
import { $, h, showMessage } from './dom.js';
import { errorText } from './http.js';
import { levelLabel, percent } from './place-labels.js';

/** How close the map goes to a chosen candidate, by level. */
const LEVEL_ZOOM: Record<GeocodeLevel, number> = {
  doorplate: 18,
  interpolated: 18,
  landmark: 17,
  road: 16,
  community: 15,
  street: 13.5,
  district: 12,
};

const LIMIT = 8;
/** Typing pause before the candidates are fetched. */
const DEBOUNCE_MS = 300;

export type SearchInput =
  | { kind: 'empty' }
  | { kind: 'grid'; code: string }
  | { kind: 'component'; code: string }
  | { kind: 'digits'; length: number }
  | { kind: 'text'; q: string };

/** What the text in the box asks for (full-width digits and spaces inside a code are tolerated). */
export function classify(raw: string): SearchInput {
  const text = raw.normalize('NFKC').trim();
  if (!text) return { kind: 'empty' };
  const compact = text.replace(/\s+/g, '');
  if (/^\d+$/.test(compact)) {
    if (GRID_CODE.test(compact)) return { kind: 'grid', code: compact };
    if (COMPONENT_CODE.test(compact)) return { kind: 'component', code: compact };
    return { kind: 'digits', length: compact.length };
  }
  return { kind: 'text', q: text.replace(/\s+/g, ' ') };
}

export function setSearchMessage(text: string, kind: 'error' | 'info' = 'error', title = ''): void {
  const el = $('#search-message');
  showMessage(el, text, kind);
  el.title = title;
  $('#search-input').setAttribute('aria-invalid', String(kind === 'error' && !!text));
}

function setBusy(busy: boolean): void {
  $<HTMLButtonElement>('#search button[type=submit]').disabled = busy;
  $('#search').classList.toggle('busy', busy);
}

export interface SearchOptions {
  map: MaplibreMap;
  /** Opens a unit grid's panel and fits the map to it; reports failures in the search message itself. */
  selectGrid: (code: string) => Promise<boolean>;
  /** Flies to a component and opens its panel; reports failures in the search message itself. */
  selectComponent: (code: string) => Promise<boolean>;
  /** Room the map keeps free for the side panels when it flies somewhere. */
  padding: () => { top: number; bottom: number; left: number; right: number };
}

export interface SearchHandle {
  /** The candidates of the last address search. */
  candidates(): GeocodeCandidate[];
  /** Flies to a candidate and drops the marker with its popup. */
  choose(c: GeocodeCandidate): void;
  /** Where the marker stands, or null without one. */
  marker(): { lon: number; lat: number } | null;
  /** Removes the marker and closes the list. */
  clear(): void;
}

/** The popup of a chosen candidate: the address, its level and score, then the unit grid, community and street. */
function candidatePopup(c: GeocodeCandidate): HTMLElement {
  const value = (field: string, code: string | null) => h('dd', { 'data-field': field, class: 'mono' }, code ?? '—');
  const el = h(
    'div',
    { class: 'place-popup', 'data-level': c.level },
    h('div', { class: 'popup-title' }, '搜索结果'),
    h('p', { class: 'place-address', 'data-field': 'address' }, c.address),
    h('p', { class: 'muted place-level' }, `${levelLabel(c.level)} · 匹配度 ${percent(c.score)}`),
    h(
      'dl',
      {},
      h('dt', {}, '单元网格'),
      value('grid', c.grid_code),
      h('dt', {}, '社区'),
      value('community', c.community_code),
      h('dt', {}, '街道'),
      value('street', c.street_code),
    ),
  );
  // Names from the grid (its community and street); the codes stay when the grid cannot be read.
  if (c.grid_code) {
    fetchGrid(c.grid_code)
      .then((g) => fillNames(el, g.properties, c))
      .catch(() => {
        /* codes only */
      });
  }
  return el;
}

function fillNames(el: HTMLElement, g: GridProperties, c: GeocodeCandidate): void {
  const set = (field: string, name: string | null, code: string | null) => {
    const dd = el.querySelector<HTMLElement>(`[data-field="${field}"]`);
    if (dd && name && code) {
      dd.textContent = `${name}（${code}）`;
      dd.classList.remove('mono');
    }
  };
  set('grid', g.name, g.code);
  if (c.community_code === g.community_code) set('community', g.community_name, g.community_code);
  if (c.street_code === g.street_code) set('street', g.street_name, g.street_code);
}

export function startSearch(opts: SearchOptions): SearchHandle {
  const { map } = opts;
  const form = $<HTMLFormElement>('#search');
  const input = $<HTMLInputElement>('#search-input');
  const list = $<HTMLUListElement>('#search-results');
  let results: GeocodeCandidate[] = [];
  /** The text the shown list answers. */
  let resultsFor = '';
  let active = -1;
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let marker: Marker | null = null;

  const isOpen = () => !list.hidden && results.length > 0;

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  function highlight(i: number) {
    active = i;
    list.querySelectorAll<HTMLElement>('[role=option]').forEach((li, k) => {
      li.setAttribute('aria-selected', String(k === i));
      if (k === i) li.scrollIntoView({ block: 'nearest' });
    });
    if (i >= 0) input.setAttribute('aria-activedescendant', `search-option-${i}`);
    else input.removeAttribute('aria-activedescendant');
  }

  function render(q: string, items: GeocodeCandidate[]) {
    results = items;
    resultsFor = q;
    active = -1;
    list.replaceChildren(
      ...items.map((c, i) =>
        h(
          'li',
          {
            id: `search-option-${i}`,
            role: 'option',
            'aria-selected': 'false',
            'data-index': String(i),
            'data-level': c.level,
            title: c.reasons?.join('；') || null,
            onclick: () => choose(c),
            onmousemove: () => {
              if (active !== i) highlight(i);
            },
          },
          h('span', { class: 'result-address' }, c.address),
          h(
            'span',
            { class: 'result-meta' },
            h('span', { class: `result-level level-${c.level}` }, levelLabel(c.level)),
            h('span', { class: 'result-score' }, percent(c.score)),
          ),
        ),
      ),
    );
    list.hidden = items.length === 0;
    input.setAttribute('aria-expanded', String(items.length > 0));
  }

  /** Fetches the candidates for a text; `explicit` (Enter or 查找) reports an empty answer. */
  async function lookUp(q: string, explicit: boolean) {
    clearTimeout(timer);
    const mine = ++seq;
    if (explicit) setBusy(true);
    try {
      const answer = await geocode(q, LIMIT);
      if (mine !== seq) return;
      render(q, answer.candidates);
      if (answer.candidates.length === 0) {
        if (explicit) setSearchMessage(`未找到与“${q}”匹配的地址、地名或区域`, 'error');
      } else setSearchMessage('');
    } catch (e) {
      if (mine !== seq) return;
      close();
      setSearchMessage(`地址查询失败：${errorText(e)}`, 'error');
    } finally {
      if (explicit) setBusy(false);
    }
  }

  function choose(c: GeocodeCandidate) {
    seq++; // a lookup still on its way must not reopen the list
    close();
    marker?.remove();
    const popup = new Popup({
      offset: 28,
      maxWidth: '300px',
      className: 'search-popup',
      focusAfterOpen: false,
    }).setDOMContent(candidatePopup(c));
    marker = new Marker({ color: '#e8590c', className: 'search-marker' })
      .setLngLat([c.lon, c.lat])
      .setPopup(popup)
      .addTo(map);
    marker.togglePopup();
    map.flyTo({
      center: [c.lon, c.lat],
      zoom: LEVEL_ZOOM[c.level] ?? 17,
      padding: opts.padding(),
      duration: 800,
      essential: true,
    });
    setSearchMessage(`已定位到 ${c.address}`, 'info');
  }

  async function submit() {
    const what = classify(input.value);
    if (what.kind !== 'text') {
      seq++;
      clearTimeout(timer);
      close();
    }
    switch (what.kind) {
      case 'empty':
        return setSearchMessage('请输入地址、地名、网格编码或部件编码');
      case 'digits':
        return setSearchMessage(
          `网格编码应为 15 位数字（社区编码 12 位 + 序号 3 位），部件编码为 16 或 17 位数字；当前输入为 ${what.length} 位`,
        );
      case 'grid':
      case 'component': {
        setSearchMessage('');
        setBusy(true);
        try {
          if (what.kind === 'grid') {
            if (await opts.selectGrid(what.code)) setSearchMessage(`已定位到网格 ${what.code}`, 'info');
          } else if (await opts.selectComponent(what.code)) setSearchMessage(`已定位到部件 ${what.code}`, 'info');
        } finally {
          setBusy(false);
        }
        return;
      }
      case 'text':
        if (isOpen() && resultsFor === what.q) return choose(results[Math.max(active, 0)]);
        return lookUp(what.q, true);
    }
  }

  // A press on the list (a candidate, its scroll bar) keeps the focus in the box, so the list stays open.
  list.addEventListener('mousedown', (e) => e.preventDefault());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submit();
  });

  // As you type: candidates for text after a short pause; codes wait for Enter.
  const typed = () => {
    setSearchMessage('');
    clearTimeout(timer);
    const what = classify(input.value);
    if (what.kind !== 'text' || [...what.q].length < 2) {
      seq++;
      close();
      return;
    }
    if (what.q === resultsFor && results.length) {
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      return;
    }
    timer = setTimeout(() => void lookUp(what.q, false), DEBOUNCE_MS);
  };
  input.addEventListener('input', (e) => {
    if (!(e as InputEvent).isComposing) typed();
  });
  input.addEventListener('compositionend', typed);

  input.addEventListener('keydown', (e) => {
    if (e.isComposing) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!results.length) return;
      e.preventDefault();
      if (list.hidden) {
        list.hidden = false;
        input.setAttribute('aria-expanded', 'true');
      }
      const n = results.length;
      highlight(e.key === 'ArrowDown' ? (active + 1) % n : (active - 1 + n) % n);
    } else if (e.key === 'Escape' && isOpen()) {
      e.preventDefault();
      close();
    }
  });
  input.addEventListener('blur', () => close());
  input.addEventListener('focus', () => {
    const what = classify(input.value);
    if (what.kind === 'text' && what.q === resultsFor && results.length) {
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }
  });

  return {
    candidates: () => results,
    choose,
    marker: () => {
      const at = marker?.getLngLat();
      return at ? { lon: at.lng, lat: at.lat } : null;
    },
    clear() {
      close();
      marker?.remove();
      marker = null;
    },
  };
}
