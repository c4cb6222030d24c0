/**
 * Self-check of the deck.gl overlay, loaded on demand (a separate chunk, never on a normal page load): draws
 * markers at given points through the same overlay the analytical layers use. The browser test picks them back
 * to prove that deck.gl layers really draw interleaved with MapLibre; also handy from the browser console:
 *
 *   const d = await __wangge.diagnostics(); __wangge.overlay.setLayers('probe', [d.markers([[lon, lat]])]);
 */
import { ScatterplotLayer } from '@deck.gl/layers';

export function markers(points: [number, number][], id = 'diagnostic-markers') {
  return new ScatterplotLayer<[number, number]>({
    id,
    data: points,
    getPosition: (p) => p,
    getRadius: 9,
    radiusUnits: 'pixels',
    getFillColor: [220, 38, 38, 230],
    getLineColor: [255, 255, 255, 255],
    lineWidthUnits: 'pixels',
    getLineWidth: 2,
    stroked: true,
    pickable: true,
  });
}
