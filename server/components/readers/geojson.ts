/**
 * GeoJSON census files: a FeatureCollection or a single Feature, parsed whole (API bodies are bounded). Only a file
 * that is not JSON or not a FeatureCollection/Feature is refused; a broken feature is yielded with `problem` set.
 */
import type { Geometry } from 'geojson';
import { decodeText } from '../../files/text.js';
import { FileProblem, type OpenedFile, type OpenOptions, type RawRecord } from '../../files/common.js';
import { jsonErrorOffset, lineColumn } from './json-position.js';

const GEOMETRY_TYPES = [
  'Point',
  'MultiPoint',
  'LineString',
  'MultiLineString',
  'Polygon',
  'MultiPolygon',
  'GeometryCollection',
];

export function openGeoJson(bytes: Uint8Array, opts: OpenOptions): OpenedFile {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const { text, encoding } = decodeText(bytes, opts.encoding);
  const root = parseJson(text);
  const features = featuresOf(root);
  const header: string[] = [];
  const seen = new Set<string>();
  for (const f of features) {
    const props = isObject(f) ? f.properties : undefined;
    if (!isObject(props)) continue;
    for (const key of Object.keys(props)) {
      if (!seen.has(key)) {
        seen.add(key);
        header.push(key);
      }
    }
  }
  const crs = (root as { crs?: { properties?: { name?: unknown } } }).crs;
  const prj = typeof crs?.properties?.name === 'string' ? crs.properties.name : undefined;
  let done = 0;
  return {
    format: 'geojson',
    header,
    encoding,
    encodingSource: opts.encoding ? 'option' : bom ? 'bom' : 'detected',
    ...(prj !== undefined ? { prj } : {}),
    totalBytes: bytes.byteLength,
    bytesRead: () => (features.length ? Math.round((done / features.length) * bytes.byteLength) : 0),
    records: () => ({
      async *[Symbol.asyncIterator](): AsyncIterator<RawRecord> {
        done = 0;
        for (let i = 0; i < features.length; i++) {
          yield featureRecord(features[i], i);
          done = i + 1;
        }
      },
    }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = / at position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : jsonErrorOffset(text);
    const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/, .*is not valid JSON$/s, '');
    if (offset < 0) throw new FileProblem(`the file is not valid JSON: ${reason}`);
    const { line, column } = lineColumn(text, offset);
    throw new FileProblem(`the file is not valid JSON: ${reason} at line ${line}, column ${column}`);
  }
}

function featuresOf(root: unknown): unknown[] {
  if (!isObject(root)) {
    const what = Array.isArray(root) ? 'an array' : root === null ? 'null' : `a ${typeof root}`;
    throw new FileProblem(`the GeoJSON must be an object (a FeatureCollection or a Feature), not ${what}`);
  }
  if (root.type === 'FeatureCollection') {
    if (!Array.isArray(root.features)) throw new FileProblem('the FeatureCollection has no "features" array');
    return root.features;
  }
  if (root.type === 'Feature') return [root];
  if (typeof root.type === 'string' && GEOMETRY_TYPES.includes(root.type)) {
    throw new FileProblem(
      `the GeoJSON is a bare ${root.type} geometry: put it in a Feature whose properties carry the attributes`,
    );
  }
  const type = root.type === undefined ? 'missing' : JSON.stringify(root.type);
  throw new FileProblem(`the GeoJSON "type" is ${type}, not "FeatureCollection" or "Feature"`);
}

function featureRecord(f: unknown, feature: number): RawRecord {
  if (!isObject(f)) {
    const what = Array.isArray(f) ? 'an array' : f === null ? 'null' : `a ${typeof f}`;
    return { where: { feature }, values: {}, geometry: null, problem: `the feature is ${what}, not an object` };
  }
  const problems: string[] = [];
  if (f.type !== 'Feature') {
    problems.push(`its "type" is ${f.type === undefined ? 'missing' : JSON.stringify(f.type)}, not "Feature"`);
  }
  let values: Record<string, unknown> = {};
  if (isObject(f.properties)) values = f.properties;
  else if (f.properties != null) problems.push('its "properties" is not an object');
  let geometry: Geometry | null = null;
  if (isObject(f.geometry)) geometry = f.geometry as unknown as Geometry;
  else if (f.geometry != null) problems.push('its "geometry" is not an object');
  return { where: { feature }, values, geometry, ...(problems.length ? { problem: problems.join('; ') } : {}) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
