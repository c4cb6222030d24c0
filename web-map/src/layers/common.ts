/**
 * What every map layer module shares: the palette, the label fonts and the shape of the part of the style a module
 * adds (its sources and its style layers, each in a drawing band). style.ts assembles the parts; main.ts wires
 * each module's handlers.
 *
 * Text: the style has no `glyphs` URL, so MapLibre 6 draws every glyph in the browser (TinySDF on a canvas) with
 * the fonts named in `text-font`, used as a CSS font-family list. Chinese names and the digits of grid codes both
 * render offline with whatever CJK font the system has (Noto Sans CJK on Debian: fonts-noto-cjk).
 */
import type { MapOptions, SourceSpecification } from 'maplibre-gl';
import type { TileJson } from '../api.js';

export type StyleSpec = Exclude<MapOptions['style'], string | undefined>;
export type LayerSpec = StyleSpec['layers'][number];

/** The palette of the base layers, in one place. */
export const COLORS = {
  background: '#eef1f4',
  street: '#7a3fa0',
  streetCasing: '#ffffff',
  community: '#1f8a70',
  communityTints: ['#8fd3c1', '#a9c8f0', '#f6cf8f', '#c7b5ea', '#f3a9b4', '#b9dd9a'],
  grid: '#4f7fb8',
  gridFill: '#ffffff',
  selected: '#e8590c',
  selectedFill: '#ffa94d',
  halo: '#ffffff',
};

/** CSS font families for the labels (no glyph server: MapLibre draws them with the browser's fonts). */
export const FONT = [
  'Noto Sans CJK SC',
  'Source Han Sans SC',
  'Microsoft YaHei',
  'PingFang SC',
  'WenQuanYi Micro Hei',
  'sans-serif',
];
/** The first name is only read by MapLibre to pick the weight (bold); the browser skips it as an unknown family. */
export const FONT_BOLD = ['Noto Sans CJK SC Bold', ...FONT];

/** The entries of the layer switcher; a style layer names its entry in `metadata.group`. */
export type LayerGroup = 'streets' | 'communities' | 'grids' | 'cases' | 'components';

/**
 * Drawing bands, bottom to top: area fills, the grid mesh, region boundaries, the selected grid, labels, and what
 * must never be hidden (case points). Within a band layers draw in the order the modules add them.
 */
export const BANDS = ['fill', 'mesh', 'boundary', 'selection', 'label', 'top'] as const;
export type Band = (typeof BANDS)[number];

/** What a module adds to the style. */
export interface StylePart {
  sources: Record<string, SourceSpecification>;
  layers: { band: Band; layer: LayerSpec }[];
}

/** What the modules know when the style is built: the server's TileJSON per tile layer and the basemap. */
export interface StyleContext {
  tiles: Partial<Record<string, TileJson>>;
  basemap: boolean;
}

export const emptyFc = { type: 'FeatureCollection' as const, features: [] };

/** A vector source of a server tile layer: MapLibre loads its TileJSON (and re-reads it for a new layer version). */
export const tileSource = (url: string, promoteId?: string): SourceSpecification => ({
  type: 'vector',
  url,
  ...(promoteId ? { promoteId } : {}),
});

/** The switcher entry of a style layer. */
export const inGroup = (group: LayerGroup) => ({ metadata: { group } });
