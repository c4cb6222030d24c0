/** TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0) for a registry layer. */
import type { TileLayer } from './layers.js';
import { fitZoom, MAX_LAT, type Bbox } from './tilemath.js';

export interface TileJson {
  tilejson: '3.0.0';
  name: string;
  description: string;
  scheme: 'xyz';
  tiles: string[];
  minzoom: number;
  maxzoom: number;
  bounds: Bbox;
  center: [lon: number, lat: number, zoom: number];
  vector_layers: {
    id: string;
    description: string;
    minzoom: number;
    maxzoom: number;
    fields: Record<string, string>;
  }[];
}

const WORLD: Bbox = [-180, -MAX_LAT, 180, MAX_LAT];
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * @param origin absolute origin of the request, e.g. "https://map.example.org" (the tiles URL must be absolute)
 * @param version the layer's current version: part of the tiles URL, so an edit changes the URL and clients
 *   fetch new tiles at once
 * @param extent the data's lon/lat extent, or null for an empty layer (then the whole world)
 */
export function tileJson(layer: TileLayer, origin: string, version: number, extent: Bbox | null): TileJson {
  const bounds: Bbox = extent
    ? [round(extent[0], 6), round(extent[1], 6), round(extent[2], 6), round(extent[3], 6)]
    : WORLD;
  const center: [number, number, number] = extent
    ? [
        round((bounds[0] + bounds[2]) / 2, 6),
        round((bounds[1] + bounds[3]) / 2, 6),
        fitZoom(bounds, layer.minzoom, layer.maxzoom),
      ]
    : [0, 0, layer.minzoom];
  return {
    tilejson: '3.0.0',
    name: layer.id,
    description: layer.description,
    scheme: 'xyz',
    tiles: [`${origin}/tiles/${layer.id}/{z}/{x}/{y}.mvt?v=${version}`],
    minzoom: layer.minzoom,
    maxzoom: layer.maxzoom,
    bounds,
    center,
    vector_layers: [
      {
        id: layer.id,
        description: layer.description,
        minzoom: layer.minzoom,
        maxzoom: layer.maxzoom,
        fields: Object.fromEntries(Object.entries(layer.properties).map(([k, p]) => [k, p.type])),
      },
    ],
  };
}
