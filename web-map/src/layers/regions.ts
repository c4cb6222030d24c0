/**
 * Streets (街道) and communities (社区) from the server's vector tiles: communities tinted, streets thick purple.
 * Each layer starts at its tile layer's TileJSON `minzoom`. Their names are in labels.ts.
 */
import { tileJsonUrl } from '../api.js';
import { COLORS, inGroup, tileSource, type StyleContext, type StylePart } from './common.js';

export function regionsStyle(ctx: StyleContext): StylePart {
  const part: StylePart = { sources: {}, layers: [] };
  const fillOpacity = ctx.basemap ? 0.5 : 1;
  const communities = ctx.tiles.communities;
  if (communities) {
    // A tint per community: the last digits of the community code pick a colour from the palette.
    const tint = [
      'match',
      ['%', ['to-number', ['slice', ['get', 'code'], 9], 0], COLORS.communityTints.length],
      ...COLORS.communityTints.slice(0, -1).flatMap((c, i) => [i, c]),
      COLORS.communityTints.at(-1),
    ];
    const z = communities.minzoom;
    part.sources.communities = tileSource(tileJsonUrl('communities'));
    part.layers.push(
      {
        band: 'fill',
        layer: {
          id: 'community-fill',
          type: 'fill',
          source: 'communities',
          'source-layer': 'communities',
          minzoom: z,
          ...inGroup('communities'),
          paint: {
            'fill-color': tint as never,
            'fill-opacity': [
              'interpolate',
              ['linear'],
              ['zoom'],
              10,
              0.45 * fillOpacity,
              14,
              0.3 * fillOpacity,
              17,
              0.18 * fillOpacity,
            ],
          },
        },
      },
      {
        band: 'boundary',
        layer: {
          id: 'community-line',
          type: 'line',
          source: 'communities',
          'source-layer': 'communities',
          minzoom: z,
          ...inGroup('communities'),
          layout: { 'line-join': 'round' },
          paint: {
            'line-color': COLORS.community,
            'line-width': ['interpolate', ['linear'], ['zoom'], 10, 1, 14, 1.8, 18, 2.6],
          },
        },
      },
    );
  }
  const streets = ctx.tiles.streets;
  if (streets) {
    const z = streets.minzoom;
    const line = (id: string, color: string, widths: [number, number, number], opacity = 1) => ({
      band: 'boundary' as const,
      layer: {
        id,
        type: 'line' as const,
        source: 'streets',
        'source-layer': 'streets',
        minzoom: z,
        ...inGroup('streets'),
        layout: { 'line-join': 'round' as const },
        paint: {
          'line-color': color,
          'line-opacity': opacity,
          'line-width': ['interpolate', ['linear'], ['zoom'], 8, widths[0], 13, widths[1], 18, widths[2]] as never,
        },
      },
    });
    part.sources.streets = tileSource(tileJsonUrl('streets'));
    part.layers.push(
      line('street-casing', COLORS.streetCasing, [3, 6, 9], 0.75),
      line('street-line', COLORS.street, [1.5, 3, 4.5]),
    );
  }
  return part;
}
