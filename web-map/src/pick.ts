/**
 * Point picking: a mode that takes the map's clicks for itself ("这里是哪里", a dispatcher's 在地图上定位). One mode at a
 * time; starting one ends the other. While a mode is on, a hint shows at the top of the map, the cursor is a
 * crosshair and Esc ends it.
 *
 * The picker's click listener is registered before every layer handler (main.ts creates it first) and marks the
 * click handled with `preventDefault()`; the layer handlers (grids, components, cases) skip handled clicks, so a
 * pick never also selects a grid or opens a case.
 */
import type { LngLat, Map as MaplibreMap, MapMouseEvent } from 'maplibre-gl';
import { h } from './dom.js';

export interface PickMode {
  /** Shown at the top of the map while the mode is on (Chinese). */
  hint: string;
  /** Ends the mode after the first pick (else it stays on until ended). */
  once?: boolean;
  onPick(at: LngLat): void;
  /** Called when the mode ends for any reason (picked once, Esc, another mode, `end()`). */
  onEnd?(): void;
}

export interface Picker {
  /** Turns a mode on (ending the current one); returns a function that ends this mode if it is still on. */
  start(mode: PickMode): () => void;
  /** Ends the current mode, if any. */
  end(): void;
  /** The mode that is on, or null. */
  current(): PickMode | null;
}

/** Create it before any other click handler of the map. */
export function createPicker(map: MaplibreMap): Picker {
  let mode: PickMode | null = null;
  const hint = h('div', { id: 'pick-hint', role: 'status', hidden: true });
  map.getContainer().append(hint);

  const end = () => {
    const m = mode;
    if (!m) return;
    mode = null;
    hint.hidden = true;
    map.getContainer().classList.remove('picking');
    m.onEnd?.();
  };

  map.on('click', (e: MapMouseEvent) => {
    const m = mode;
    if (!m) return;
    e.preventDefault();
    if (m.once) end();
    m.onPick(e.lngLat);
  });
  // Esc ends the mode only (listeners registered later, e.g. closing the panels, do not see it).
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !mode) return;
    e.stopImmediatePropagation();
    end();
  });

  return {
    start(m) {
      end();
      mode = m;
      hint.replaceChildren(
        h('span', {}, m.hint),
        h('button', { type: 'button', class: 'pick-cancel', onclick: () => end() }, '取消'),
      );
      hint.hidden = false;
      map.getContainer().classList.add('picking');
      return () => {
        if (mode === m) end();
      };
    },
    end,
    current: () => mode,
  };
}
