/** Types for vt-pbf 3 (CommonJS, untyped): only the part wangge uses. */
declare module 'vt-pbf' {
  interface GeoJsonVtFeature {
    id?: number | string;
    type: 1 | 2 | 3;
    geometry: unknown;
    tags: Record<string, unknown> | null;
  }
  function fromVectorTileJs(tile: unknown): Uint8Array;
  namespace fromVectorTileJs {
    /** Serialise geojson-vt tiles (one per layer name) to a Mapbox Vector Tile. */
    function fromGeojsonVt(
      layers: Record<string, { features: readonly GeoJsonVtFeature[] }>,
      options?: { version?: number; extent?: number },
    ): Uint8Array;
  }
  export default fromVectorTileJs;
}
