/**
 * The deck.gl overlay: one MapLibre overlay control per map, interleaved with MapLibre's own layers so that
 * analytical layers (the heat map, later) draw in the map's WebGL2 context, under the labels and above the
 * boundaries, and move with the map in the same frame.
 *
 * Why `MapLibreOverlay` (deck.gl's MapLibre adapter, from @deck.gl/maplibre) and not `MapboxOverlay` from
 * @deck.gl/mapbox: in @deck.gl/mapbox 9.4 the interleaved mode reads `map.transform`, which MapLibre 6 no
 * longer has, so the first deck.gl layer throws "Cannot read properties of undefined (reading 'height')" on every
 * frame; its overlaid mode works but needs a second WebGL context and draws above the labels and the page's
 * panels. `MapLibreOverlay` has the same API (an IControl with setProps, pickObject, …) and supports MapLibre 4–6.
 *
 * Other modules add their layers by named group, without knowing about each other:
 *
 *   import { HeatmapLayer } from '@deck.gl/aggregation-layers';
 *   overlay.setLayers('heatmap', [new HeatmapLayer({ id: 'cases-heat', data, getPosition: (d) => d.p })]);
 *   overlay.setLayers('heatmap', []);   // or overlay.clear('heatmap')
 *
 * Layers without a `beforeId` go under the grid-code labels (`DECK_BEFORE_ID`); pass `beforeId` to place one
 * elsewhere in the MapLibre layer stack. Groups are drawn in the order they were first added.
 */
import { MapLibreOverlay } from '@deck.gl/maplibre';
import type { Layer } from '@deck.gl/core';
import type { Map as MaplibreMap } from 'maplibre-gl';
import { DECK_BEFORE_ID } from './layers/labels.js';

export interface Overlay {
  /** The deck.gl control added to the map (deck.gl's own API: pickObject, setProps, …). */
  readonly control: MapLibreOverlay;
  /** Replaces the layers of one named group. */
  setLayers(group: string, layers: Layer[]): void;
  /** Removes the layers of one named group. */
  clear(group: string): void;
  /** Every deck.gl layer currently shown, in drawing order. */
  layers(): Layer[];
  /** The names of the groups that have layers. */
  groups(): string[];
}

export function createOverlay(map: MaplibreMap, opts: { beforeId?: string } = {}): Overlay {
  const beforeId = opts.beforeId ?? DECK_BEFORE_ID;
  const control = new MapLibreOverlay({ interleaved: true, layers: [] });
  map.addControl(control);
  const groups = new Map<string, Layer[]>();

  const flat = () => [...groups.values()].flat();
  // Layers without a place of their own go under the labels (the anchor layer is part of the style).
  const place = (layer: Layer) =>
    (layer.props as { beforeId?: string }).beforeId ? layer : layer.clone({ beforeId } as never);
  const update = () => control.setProps({ layers: flat() });

  return {
    control,
    setLayers(group, layers) {
      if (layers.length === 0) groups.delete(group);
      else groups.set(group, layers.map(place));
      update();
    },
    clear(group) {
      groups.delete(group);
      update();
    },
    layers: flat,
    groups: () => [...groups.keys()],
  };
}
