/** The few server calls the map makes, with problem+json errors turned into Chinese messages. */
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { authHeaders } from './token.js';

export interface GridProperties {
  code: string;
  name: string;
  area_m2: number;
  community_code: string;
  community_name: string | null;
  street_code: string;
  street_name: string | null;
  district_code: string;
  district_name: string | null;
}
export type GridFeature = Feature<Geometry, GridProperties>;

export interface RegionProperties {
  code: string;
  name: string;
  level: 'district' | 'street' | 'community';
  parent_code: string | null;
  area_m2: number;
}

export interface WebConfig {
  basemap: { url: string; attribution: string } | null;
  layers: string[];
}

/** An API call that failed: `message` is for people (Chinese), `detail` is the server's own words. */
export class ApiError extends Error {
  constructor(public status: number, message: string, public detail?: string) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The unit-grid code format (GB/T 30428.1): 15 digits = community code (12) + serial (3). */
export const GRID_CODE = /^\d{15}$/;

async function getJson<T>(url: string, describe: (status: number) => string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json, application/geo+json', ...authHeaders(url) } });
  } catch {
    throw new ApiError(0, '无法连接服务器，请检查网络后重试');
  }
  if (res.ok) return res.json() as Promise<T>;
  let detail: string | undefined;
  try {
    const body = await res.json() as { detail?: unknown };
    if (typeof body.detail === 'string') detail = body.detail;
  } catch { /* not problem+json: keep the status only */ }
  throw new ApiError(res.status, describe(res.status), detail);
}

function commonStatus(status: number): string {
  if (status === 401 || status === 403) return '没有访问权限：请用 /#token=<令牌> 打开地图';
  if (status >= 500) return `服务器内部错误（HTTP ${status}），请稍后重试`;
  return `请求失败（HTTP ${status}）`;
}

export function fetchGrid(code: string): Promise<GridFeature> {
  return getJson<GridFeature>(`api/grids/${encodeURIComponent(code)}`, (status) => {
    if (status === 404) return `未找到编码为 ${code} 的单元网格`;
    if (status === 400) return `网格编码格式不正确：${code}（应为 15 位数字）`;
    return commonStatus(status);
  });
}

export function fetchDistricts(): Promise<FeatureCollection<Geometry, RegionProperties>> {
  return getJson('api/regions?level=district&geometry=true', commonStatus);
}

export function fetchRegions(level: 'street' | 'community'): Promise<FeatureCollection<Geometry, RegionProperties>> {
  return getJson(`api/regions?level=${level}&geometry=true`, commonStatus);
}

export async function fetchWebConfig(): Promise<WebConfig> {
  try {
    return await getJson<WebConfig>('api/web-config', commonStatus);
  } catch {
    // The map works without the optional settings (no basemap).
    return { basemap: null, layers: ['streets', 'communities', 'grids'] };
  }
}
