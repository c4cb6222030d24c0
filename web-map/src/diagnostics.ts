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

/**
 * The colour the map drew at a screen point (CSS pixels from the canvas's top-left), read from the WebGL drawing
 * buffer right after the next frame — deck.gl layers included, since they draw interleaved in MapLibre's frame.
 */
export function pixelAt(
  map: import('maplibre-gl').Map,
  x: number,
  y: number,
): Promise<[number, number, number, number]> {
  return new Promise((resolve, reject) => {
    map.once('render', () => {
      const canvas = map.getCanvas();
      const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
      if (!gl) return reject(new Error('the map canvas has no WebGL context'));
      const scale = canvas.width / canvas.clientWidth;
      const out = new Uint8Array(4);
      const bound = gl.getParameter(gl.FRAMEBUFFER_BINDING) as WebGLFramebuffer | null;
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.readPixels(
        Math.round(x * scale),
        canvas.height - 1 - Math.round(y * scale),
        1,
        1,
        gl.RGBA,
        gl.UNSIGNED_BYTE,
        out,
      );
      gl.bindFramebuffer(gl.FRAMEBUFFER, bound);
      resolve([out[0], out[1], out[2], out[3]]);
    });
    map.triggerRepaint();
  });
}
