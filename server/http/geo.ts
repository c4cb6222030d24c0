/** Parsing and presenting geographic parameters shared by capabilities. */
import { badRequest } from './problem.js';

/** Parses "minLon,minLat,maxLon,maxLat"; throws a 400 saying exactly which number is wrong. */
export function parseBbox(text: string, name = 'bbox'): [number, number, number, number] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 4)
    throw badRequest(`${name} must have 4 comma-separated numbers minLon,minLat,maxLon,maxLat; got ${parts.length}`);
  const labels = ['minLon', 'minLat', 'maxLon', 'maxLat'];
  const nums = parts.map((p, i) => {
    const n = Number(p);
    if (p === '' || !Number.isFinite(n)) throw badRequest(`${name}: ${labels[i]} "${p}" is not a number`);
    return n;
  });
  const [a, b, c, d] = nums;
  for (const [v, label] of [
    [a, 'minLon'],
    [c, 'maxLon'],
  ] as const) {
    if (v < -180 || v > 180) throw badRequest(`${name}: ${label} ${v} is outside -180..180`);
  }
  for (const [v, label] of [
    [b, 'minLat'],
    [d, 'maxLat'],
  ] as const) {
    if (v < -90 || v > 90) throw badRequest(`${name}: ${label} ${v} is outside -90..90`);
  }
  if (a >= c) throw badRequest(`${name}: minLon ${a} must be less than maxLon ${c}`);
  if (b >= d) throw badRequest(`${name}: minLat ${b} must be less than maxLat ${d}`);
  return [a, b, c, d];
}

export interface Feature<P = Record<string, unknown>> {
  type: 'Feature';
  id?: string;
  geometry: unknown;
  properties: P;
}

export function feature<P>(id: string, geometry: unknown, properties: P): Feature<P> {
  return { type: 'Feature', id, geometry: geometry ?? null, properties };
}
