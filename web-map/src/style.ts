/**
 * The map's style, built locally from the layer modules (layers/): no sprites, no glyph server, no external tiles
 * unless a basemap is configured. Each module gives its sources and style layers with a drawing band; here they are
 * stacked band by band over the background (and the optional raster basemap).
 */
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { WebConfig } from './api.js';
import {
  BANDS,
  COLORS,
  type LayerGroup,
  type LayerSpec,
  type StyleContext,
  type StylePart,
  type StyleSpec,
} from './layers/common.js';
import { casesStyle } from './layers/cases.js';
import { componentsStyle } from './layers/components.js';
import { editStyle } from './layers/edit.js';
import { gridsStyle } from './layers/grids.js';
import { labelsStyle } from './layers/labels.js';
import { regionsStyle } from './layers/regions.js';

export function buildStyle(config: WebConfig, tiles: StyleContext['tiles']): StyleSpec {
  const ctx: StyleContext = { tiles, basemap: !!config.basemap };
  // Components draw under the case points (both in the top band, in this order).
  const parts: StylePart[] = [
    regionsStyle(ctx),
    gridsStyle(ctx),
    labelsStyle(ctx),
    componentsStyle(ctx),
    casesStyle(ctx),
    editStyle(ctx),
  ];
  const sources: StyleSpec['sources'] = Object.assign({}, ...parts.map((p) => p.sources));
  const layers: LayerSpec[] = [
    { id: 'background', type: 'background', paint: { 'background-color': COLORS.background } },
  ];
  if (config.basemap) {
    sources.basemap = {
      type: 'raster',
      tiles: [config.basemap.url],
      tileSize: 256,
      attribution: config.basemap.attribution,
    };
    layers.push({ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 0.9 } });
  }
  const all = parts.flatMap((p) => p.layers);
  for (const band of BANDS) layers.push(...all.filter((l) => l.band === band).map((l) => l.layer));
  return { version: 8, name: 'wangge', sources, layers };
}

/** Shows or hides the style layers of one layer-switcher entry (those whose `metadata.group` names it). */
export function setGroupVisible(map: MaplibreMap, group: LayerGroup, visible: boolean): void {
  for (const id of map.getLayersOrder()) {
    if ((map.getLayer(id)?.metadata as { group?: string } | undefined)?.group === group) {
      map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
    }
  }
}
