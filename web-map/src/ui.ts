/** The page's controls: layer switcher, grid info panel, legend and status line (DOM only; the search box is search.ts). */
import type { GridProperties } from './api.js';
import { $, showMessage } from './dom.js';
import type { LayerGroup } from './layers/common.js';

const numberZh = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 });

export function formatArea(m2: number): string {
  const ha = m2 / 10_000;
  return `${numberZh.format(m2)} m²（${ha.toFixed(ha >= 100 ? 0 : 2)} 公顷）`;
}

const withCode = (name: string | null, code: string) => (name ? `${name}（${code}）` : code);

export function setDistrictName(text: string): void {
  $('#district-name').textContent = text;
}

/** The zoom levels the layer switcher names ("13 级起"): read from the server's TileJSON, never retyped. */
export function setMinzooms(zooms: Partial<Record<LayerGroup | 'gridLabels' | 'componentCounts', number>>): void {
  for (const el of document.querySelectorAll<HTMLElement>('#layers [data-minzoom]')) {
    const z = zooms[el.dataset.minzoom as LayerGroup];
    if (z !== undefined) el.textContent = String(z);
  }
}

/** Calls back with (group, visible) when a layer checkbox changes. */
export function onLayerToggle(fn: (group: LayerGroup, visible: boolean) => void): void {
  for (const box of document.querySelectorAll<HTMLInputElement>('#layers input[type=checkbox][data-group]')) {
    box.addEventListener('change', () => fn(box.dataset.group as LayerGroup, box.checked));
  }
}

export function showGrid(p: GridProperties): void {
  const panel = $('#info');
  const set = (field: string, text: string) => {
    panel.querySelector(`[data-field="${field}"]`)!.textContent = text;
  };
  set('code', p.code);
  set('name', p.name);
  set('area', formatArea(p.area_m2));
  set('community', withCode(p.community_name, p.community_code));
  set('street', withCode(p.street_name, p.street_code));
  panel.dataset.code = p.code;
  panel.hidden = false;
}

export function hideGrid(): void {
  const panel = $('#info');
  panel.hidden = true;
  delete panel.dataset.code;
}

export function onInfoClose(fn: () => void): void {
  $('#info-close').addEventListener('click', fn);
}

export function setZoom(z: number): void {
  $('#zoom-level').textContent = z.toFixed(1);
}

let statusTimer: ReturnType<typeof setTimeout> | undefined;
/** A short message at the bottom of the map; errors stay until replaced. */
export function setStatus(text: string, kind: 'error' | 'info' = 'info'): void {
  showMessage($('#status'), text, kind);
  clearTimeout(statusTimer);
  if (text && kind === 'info') statusTimer = setTimeout(() => setStatus(''), 4000);
}
