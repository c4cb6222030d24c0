/** GET /api/web-config: settings the web map needs (optional basemap). */
import type { Config } from '../config.js';
import type { Api } from '../http/api.js';

export function webConfigRoutes(api: Api, config: Config): void {
  api.route(
    {
      method: 'get',
      path: '/api/web-config',
      tag: 'system',
      summary: 'Settings for the web map (optional raster basemap)',
    },
    (ctx) => {
      ctx.body = {
        basemap: config.basemapUrl ? { url: config.basemapUrl, attribution: config.basemapAttribution ?? '' } : null,
        layers: ['streets', 'communities', 'grids', 'cases', 'components', 'component_counts'],
      };
    },
  );
}
