/**
 * The answers: GeoJSON FeatureCollections (one feature per unit, in code order; the analysis's parameters as the
 * foreign member `analysis`) and CSV tables (one row per unit). Numbers keep full double precision.
 */
import { csvLine } from '../components/export.js';
import type { EmergingResult, Hotspots } from './analyse.js';
import { CATEGORIES } from './emerging.js';
import type { Trend } from './mann-kendall.js';

export interface Echo {
  from: string;
  to: string;
  category: string | null;
  level: string;
  weights: string;
  distance_m: number | null;
  fdr: boolean;
}

/** z and p as JSON numbers: −0 written as 0. */
const num = (v: number) => (Object.is(v, -0) ? 0 : v);
const total = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};

function feature(code: string, properties: Record<string, unknown> | string, geometry: string | undefined): string {
  const props = typeof properties === 'string' ? properties : JSON.stringify(properties);
  return `{"type":"Feature","id":"${code}","properties":${props},"geometry":${geometry ?? 'null'}}`;
}

/** The features of a collection as chunks of text (a city of 100k units is one string of ~30 MB otherwise). */
function* collection(head: Record<string, unknown>, features: Iterable<string>): Generator<string> {
  yield `{"type":"FeatureCollection","analysis":${JSON.stringify(head)},"features":[`;
  let first = true;
  let chunk: string[] = [];
  for (const f of features) {
    chunk.push(first ? f : `,${f}`);
    first = false;
    if (chunk.length === 1000) {
      yield chunk.join('');
      chunk = [];
    }
  }
  yield `${chunk.join('')}]}\n`;
}

/** The properties of a hot spot feature as JSON text, written out (JSON.stringify per feature costs ~0.2 s at 100k). */
const hotspotJson = (h: Hotspots, i: number) =>
  `{"code":"${h.units.codes[i]}","name":${JSON.stringify(h.units.names[i])},"count":${h.counts[i]},` +
  `"z":${num(h.gi.z[i])},"p":${h.gi.p[i]},"bin":${h.bin[i]},"neighbours":${h.gi.neighbours[i]}}`;

const hotspotProperties = (h: Hotspots, i: number) => ({
  code: h.units.codes[i],
  name: h.units.names[i],
  count: h.counts[i],
  z: num(h.gi.z[i]),
  p: h.gi.p[i],
  bin: h.bin[i],
  neighbours: h.gi.neighbours[i],
});

function* hotspotFeatures(h: Hotspots): Generator<string> {
  for (let i = 0; i < h.units.codes.length; i++) {
    const code = h.units.codes[i];
    yield feature(code, hotspotJson(h, i), h.geometries?.get(code));
  }
}

export function hotspotGeoJson(h: Hotspots, echo: Echo): Iterable<string> {
  const head = { ...echo, units: h.units.codes.length, cases: total(h.counts), critical_p: h.critical };
  return collection(head, hotspotFeatures(h));
}

export const HOTSPOT_COLUMNS = ['code', 'name', 'count', 'z', 'p', 'bin', 'neighbours'] as const;

export function* hotspotCsv(h: Hotspots): Generator<string> {
  yield csvLine([...HOTSPOT_COLUMNS]);
  for (let i = 0; i < h.units.codes.length; i++) {
    const row = hotspotProperties(h, i);
    yield csvLine(HOTSPOT_COLUMNS.map((c) => String(row[c])));
  }
}

const trend = (t: Trend) => ({ tau: num(t.tau), z: num(t.z), p: t.p });

function emergingProperties(e: EmergingResult, i: number, series: boolean) {
  const u = e.result.units[i];
  const c = CATEGORIES[u.category];
  const props: Record<string, unknown> = {
    code: e.units.codes[i],
    name: e.units.names[i],
    count: e.counts.reduce((s, step) => s + step[i], 0),
    category: u.category,
    category_code: c.code,
    category_label: c.label,
    count_trend: trend(u.countTrend),
    gi_trend: trend(u.giTrend),
  };
  if (series) {
    props.counts = e.counts.map((step) => step[i]);
    props.z = e.result.steps.map((s) => num(s.z[i]));
    props.bins = e.result.steps.map((s) => s.bin[i]);
  }
  return props;
}

export function emergingGeoJson(e: EmergingResult, echo: Echo & { step: string }, series: boolean): Iterable<string> {
  const head = {
    ...echo,
    units: e.units.codes.length,
    cases: e.counts.reduce((s, step) => s + total(step), 0),
    steps: e.steps.map((s, t) => ({ ...s, cases: total(e.counts[t]), critical_p: e.result.steps[t].critical })),
    categories: Object.fromEntries(
      Object.entries(CATEGORIES).map(([k, v]) => [
        k,
        { ...v, units: e.result.units.filter((u) => u.category === k).length },
      ]),
    ),
  };
  function* features() {
    for (let i = 0; i < e.units.codes.length; i++) {
      yield feature(e.units.codes[i], emergingProperties(e, i, series), e.geometries?.get(e.units.codes[i]));
    }
  }
  return collection(head, features());
}

export function* emergingCsv(e: EmergingResult, series: boolean): Generator<string> {
  const head = ['code', 'name', 'count', 'category', 'category_code', 'category_label'];
  for (const k of ['count', 'gi']) head.push(`${k}_tau`, `${k}_z`, `${k}_p`);
  if (series) {
    for (const s of e.steps) head.push(`count_${s.from}`);
    for (const s of e.steps) head.push(`z_${s.from}`);
    for (const s of e.steps) head.push(`bin_${s.from}`);
  }
  yield csvLine(head);
  for (let i = 0; i < e.units.codes.length; i++) {
    const p = emergingProperties(e, i, series);
    const cells = [p.code, p.name, p.count, p.category, p.category_code, p.category_label];
    for (const t of [p.count_trend, p.gi_trend] as ReturnType<typeof trend>[]) cells.push(t.tau, t.z, t.p);
    if (series) cells.push(...(p.counts as number[]), ...(p.z as number[]), ...(p.bins as number[]));
    yield csvLine(cells.map(String));
  }
}
