/**
 * "下载" (download): a map control that downloads a region layer (区县, 街道, 社区, 单元网格 or all of them) of the
 * current view as GeoJSON, a zipped Shapefile or a GeoPackage, in CGCS2000 lon/lat or the view's 3° Gauss–Krüger
 * zone, from GET /api/export/{layer}.{geojson|shp.zip|gpkg}?bbox=… (the view's bounds). The file is fetched with the
 * bearer token (token.ts) when there is one and handed to the browser as a download; a refusal shows the server's
 * detail in the status line.
 */
import type { IControl, Map as MaplibreMap } from 'maplibre-gl';
import { statusText } from './http.js';
import { authHeaders } from './token.js';
import * as ui from './ui.js';

const LAYERS: [string, string][] = [
  ['grids', '单元网格'],
  ['communities', '社区'],
  ['streets', '街道'],
  ['districts', '区县'],
  ['all', '全部图层'],
];
const FORMATS: [string, string][] = [
  ['geojson', 'GeoJSON'],
  ['shp.zip', 'Shapefile（zip）'],
  ['gpkg', 'GeoPackage'],
];

/** The CGCS2000 3° Gauss–Krüger zone (EPSG:4534–4554, central meridian without zone prefix) of a longitude. */
export function gkZone(lon: number): { epsg: number; cm: number } | null {
  const cm = Math.round(lon / 3) * 3;
  if (cm < 75 || cm > 135) return null;
  return { epsg: 4534 + (cm - 75) / 3, cm };
}

export interface DownloadChoice {
  layer: string;
  format: string;
  /** An EPSG code: 4490 or a Gauss–Krüger zone. */
  crs: number;
  encoding: 'utf8' | 'gbk';
  /** [west, south, east, north], or null for the whole layer. */
  bbox: [number, number, number, number] | null;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The export URL of a choice, relative to the page. */
export function downloadUrl(c: DownloadChoice): string {
  const q = new URLSearchParams();
  if (c.bbox) {
    const [w, s, e, n] = c.bbox;
    const box = [Math.max(-180, w), Math.max(-90, s), Math.min(180, e), Math.min(90, n)];
    q.set('bbox', box.map(round6).join(','));
  }
  if (c.crs !== 4490) q.set('crs', `EPSG:${c.crs}`);
  if (c.format === 'shp.zip' && c.encoding !== 'utf8') q.set('encoding', c.encoding);
  const query = q.toString();
  return new URL(`api/export/${c.layer}.${c.format}${query ? `?${query}` : ''}`, document.baseURI).href;
}

function select(label: string, name: string, options: [string, string][]): HTMLLabelElement {
  const wrap = document.createElement('label');
  wrap.style.cssText = 'display:flex;align-items:center;gap:6px;margin:4px 0;font-size:12px;white-space:nowrap';
  const s = document.createElement('select');
  s.name = name;
  s.style.cssText = 'margin-left:auto;font-size:12px;max-width:190px';
  for (const [value, text] of options) s.add(new Option(text, value));
  wrap.append(label, s);
  return wrap;
}

/** The finest region layer switched on in the layer switcher (单元网格, else 社区, else 街道). */
function visibleLayer(): string {
  for (const group of ['grids', 'communities', 'streets']) {
    const box = document.querySelector<HTMLInputElement>(`#layers input[data-group="${group}"]`);
    if (!box || box.checked) return group;
  }
  return 'districts';
}

/** Fetches a file (with the bearer token when there is one) and hands it to the browser as a download. */
export async function save(url: string, fileName: string): Promise<void> {
  const res = await fetch(url, { headers: authHeaders(url) });
  if (!res.ok) {
    let detail = '';
    try {
      detail = ((await res.json()) as { detail?: string }).detail ?? '';
    } catch {
      /* not problem+json */
    }
    throw new Error(`${statusText(res.status)}${detail ? `：${detail}` : ''}`);
  }
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

/** The 下载 control: a button that opens the choices (layer, format, CRS, encoding, extent) and downloads. */
export function downloadControl(): IControl {
  let map: MaplibreMap | undefined;
  const root = document.createElement('div');
  root.className = 'maplibregl-ctrl maplibregl-ctrl-group';
  root.id = 'download';
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.textContent = '下载';
  toggle.title = '下载当前视图的图层数据';
  toggle.setAttribute('aria-expanded', 'false');
  toggle.style.cssText = 'width:auto;padding:0 8px;font-size:12px';
  const panel = document.createElement('form');
  panel.hidden = true;
  panel.setAttribute('aria-label', '下载图层数据');
  panel.style.cssText = 'padding:6px 8px;background:#fff;min-width:230px';
  const layer = select('图层', 'layer', LAYERS);
  const format = select('格式', 'format', FORMATS);
  const crs = select('坐标系', 'crs', [['4490', 'CGCS2000 经纬度（EPSG:4490）']]);
  const encoding = select('属性编码', 'encoding', [
    ['utf8', 'UTF-8'],
    ['gbk', 'GBK（旧版桌面软件）'],
  ]);
  const extent = document.createElement('label');
  extent.style.cssText = 'display:flex;align-items:center;gap:6px;margin:4px 0;font-size:12px';
  const inView = document.createElement('input');
  inView.type = 'checkbox';
  inView.name = 'bbox';
  inView.checked = true;
  extent.append(inView, '仅当前视图范围');
  const go = document.createElement('button');
  go.type = 'submit';
  go.textContent = '下载文件';
  go.style.cssText = 'width:100%;height:auto;padding:4px;margin-top:4px;font-size:12px';
  panel.append(layer, format, crs, encoding, extent, go);
  root.append(toggle, panel);

  const field = (l: HTMLLabelElement) => l.querySelector('select')!;
  const refresh = () => {
    encoding.hidden = field(format).value !== 'shp.zip';
    const zone = map ? gkZone(map.getCenter().lng) : null;
    const s = field(crs);
    while (s.options.length > 1) s.remove(1);
    if (zone) s.add(new Option(`高斯-克吕格 3° 带 中央经线 ${zone.cm}°E（EPSG:${zone.epsg}）`, String(zone.epsg)));
  };
  field(format).addEventListener('change', refresh);
  toggle.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute('aria-expanded', String(!panel.hidden));
    if (!panel.hidden) {
      field(layer).value = visibleLayer();
      refresh();
    }
  });
  panel.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!map) return;
    const b = map.getBounds();
    const choice: DownloadChoice = {
      layer: field(layer).value,
      format: field(format).value,
      crs: Number(field(crs).value),
      encoding: field(encoding).value as 'utf8' | 'gbk',
      bbox: inView.checked ? [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] : null,
    };
    const name = `wangge-${choice.layer}.${choice.format}`;
    go.disabled = true;
    ui.setStatus('正在准备下载…');
    save(downloadUrl(choice), name)
      .then(() => ui.setStatus(`已下载 ${name}`))
      .catch((err: unknown) => ui.setStatus(`下载失败：${err instanceof Error ? err.message : String(err)}`, 'error'))
      .finally(() => (go.disabled = false));
  });

  return {
    onAdd(m: MaplibreMap) {
      map = m;
      return root;
    },
    onRemove() {
      root.remove();
      map = undefined;
    },
  };
}
