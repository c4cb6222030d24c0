/**
 * "这里是哪里" (what is here): a map control that, while pressed, turns a click on the map into a popup with the
 * reverse-geocoded address sentence (GET /api/geocode/reverse, e.g. 湖滨街道西湖社区长青路3号东侧约15米) and the
 * unit grid, community, street and district of the point. A right-click on the map asks the same without the
 * control. The control's clicks go through the point picker (pick.ts), so they never also select a grid.
 */
import { Popup, type IControl, type LngLat, type Map as MaplibreMap } from 'maplibre-gl';
import { reverseGeocode, type ReverseAnswer } from './api.js';
import { h } from './dom.js';
import { errorText } from './http.js';
import type { Picker } from './pick.js';

const named = (x: { code: string; name: string } | null) => (x ? (x.name ? `${x.name}（${x.code}）` : x.code) : '—');
const metres = (m: number) => `约 ${m < 10 ? m.toFixed(1) : Math.round(m)} 米`;

/** The popup's content for an answer. */
export function hereContent(r: ReverseAnswer, at: { lng: number; lat: number }): HTMLElement {
  const rows: [string, string, string][] = [
    ['单元网格', r.grid ? named(r.grid) : '不在任何单元网格内', 'grid'],
    ['社区', named(r.community), 'community'],
    ['街道', named(r.street), 'street'],
    ['区', named(r.district), 'district'],
  ];
  if (r.doorplate) rows.push(['最近门牌', `${r.doorplate.address}（${metres(r.doorplate.distance_m)}）`, 'doorplate']);
  if (r.landmark) rows.push(['最近地标', `${r.landmark.name}（${metres(r.landmark.distance_m)}）`, 'landmark']);
  if (r.road) rows.push(['最近道路', `${r.road.name}（${metres(r.road.distance_m)}）`, 'road']);
  return h(
    'div',
    { class: 'place-popup here-popup' },
    h('div', { class: 'popup-title' }, '这里是哪里'),
    h('p', { class: 'place-address', 'data-field': 'address' }, r.address || '该处不在任何行政区内'),
    h(
      'dl',
      {},
      ...rows.flatMap(([label, value, field]) => [h('dt', {}, label), h('dd', { 'data-field': field }, value)]),
    ),
    h('p', { class: 'muted place-coords mono' }, `${at.lng.toFixed(6)}, ${at.lat.toFixed(6)}`),
  );
}

export interface HereHandle {
  /** Shows what is at this point in a popup (as a click in the mode does). */
  ask(at: { lng: number; lat: number }): Promise<void>;
  /** Whether the mode is on. */
  on(): boolean;
  toggle(on?: boolean): void;
}

/** How long a finger must rest on the map for 这里是哪里 (the usual long-press time of phones). */
export const LONG_PRESS_MS = 600;

export function startHere(map: MaplibreMap, picker: Picker): HereHandle {
  // An icon button like MapLibre's own controls (the panels on the right leave the control column narrow); the
  // icon (a pin with a question mark) is drawn by app.css.
  const button = h(
    'button',
    {
      type: 'button',
      id: 'here-toggle',
      class: 'here-toggle',
      'aria-pressed': 'false',
      'aria-label': '这里是哪里',
      title: '这里是哪里：点击地图查看该处的地址和所属网格（也可右键单击地图）',
    },
    h('span', { class: 'maplibregl-ctrl-icon here-icon', 'aria-hidden': 'true' }),
  );
  const control: IControl = {
    onAdd: () => h('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group here-control' }, button),
    onRemove: () => undefined,
  };
  map.addControl(control, 'top-right');

  let popup: Popup | null = null;
  let seq = 0;
  let endMode: (() => void) | null = null;

  async function ask(at: { lng: number; lat: number }) {
    const mine = ++seq;
    popup?.remove();
    const body = h(
      'div',
      { class: 'place-popup here-popup loading' },
      h('div', { class: 'popup-title' }, '这里是哪里'),
      '正在查询…',
    );
    popup = new Popup({ maxWidth: '320px', className: 'here', focusAfterOpen: false })
      .setLngLat(at)
      .setDOMContent(body)
      .addTo(map);
    try {
      const r = await reverseGeocode(at.lng, at.lat);
      if (mine === seq) popup.setDOMContent(hereContent(r, at));
    } catch (e) {
      if (mine === seq)
        popup.setDOMContent(
          h(
            'div',
            { class: 'place-popup here-popup' },
            h('div', { class: 'popup-title' }, '这里是哪里'),
            h('p', { class: 'error' }, `查询失败：${errorText(e)}`),
          ),
        );
    }
  }

  const setPressed = (on: boolean) => {
    button.setAttribute('aria-pressed', String(on));
    button.classList.toggle('on', on);
  };

  function toggle(on = !endMode) {
    if (on && !endMode) {
      endMode = picker.start({
        hint: '这里是哪里：点击地图查看该处地址，按 Esc 退出',
        onPick: (at: LngLat) => void ask(at),
        onEnd: () => {
          endMode = null;
          setPressed(false);
        },
      });
      setPressed(true);
    } else if (!on && endMode) endMode();
  }

  button.addEventListener('click', () => toggle());
  // MapLibre keeps the browser's own menu away from the map once it has a contextmenu listener.
  map.on('contextmenu', (e) => void ask(e.lngLat));
  // Touch screens have no right click: a long press (one finger held still for LONG_PRESS_MS) asks the same.
  let press: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => {
    if (press) clearTimeout(press);
    press = undefined;
  };
  map.on('touchstart', (e) => {
    cancel();
    if (e.originalEvent.touches.length !== 1) return;
    const at = e.lngLat;
    press = setTimeout(() => {
      press = undefined;
      swallowClickUntil = Date.now() + 1000;
      void ask(at);
    }, LONG_PRESS_MS);
  });
  // The finger's release is also a click to the browser: it must not close the popup it just opened.
  let swallowClickUntil = 0;
  map.getCanvasContainer().addEventListener(
    'click',
    (e) => {
      if (Date.now() < swallowClickUntil) {
        swallowClickUntil = 0;
        e.stopPropagation();
        e.preventDefault();
      }
    },
    true,
  );
  for (const ev of ['touchend', 'touchcancel', 'touchmove', 'movestart'] as const) map.on(ev, cancel);

  return { ask, on: () => !!endMode, toggle };
}
