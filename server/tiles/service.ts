/**
 * Tiles with a cache: the layer's current version (from tile_layer_version, re-read at most every second), a
 * byte-bounded LRU of encoded tiles keyed by (layer, version, z, x, y), one build per key at a time, and the
 * gzip representation made once per cached tile.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Database } from '../db/open.js';
import { layerVersions } from './versions.js';
import { ByteLru } from './cache.js';
import { ENCODERS, type EncoderName, type TileEncoder } from './encode.js';
import { layerVersion, TILE_LAYERS, type TileLayer } from './layers.js';
import { layerExtent } from './queries.js';
import { tileJson, type TileJson } from './tilejson.js';
import type { Bbox } from './tilemath.js';

const gzip = promisify(zlib.gzip);

export interface EncodedTile {
  /** Cache key: layer/version/z/x/y. */
  key: string;
  /** The MVT bytes; empty for a tile without features (served as 204). */
  data: Buffer;
  /** Strong ETag of `data` (quoted). */
  etag: string;
  /** gzip representation and its own strong ETag, made on the first request that accepts gzip. */
  gzip?: Buffer;
  gzipEtag?: string;
}

export interface TileServiceOptions {
  /** Byte budget of the tile cache (0 disables it). */
  cacheBytes: number;
  encoder: EncoderName;
  /** How long a read of the layer versions is trusted (default 1000 ms). */
  versionTtlMs?: number;
}

export function etagOf(bytes: Uint8Array): string {
  return `"${createHash('sha1').update(bytes).digest('base64url')}"`;
}

/**
 * The bytes in a buffer of their own: small Buffers are slices of Node's shared 8 KB pool (and pbf's are slices of
 * a larger buffer), which a long-lived cache entry would keep alive while counting only the slice.
 */
export function ownBytes(b: Buffer): Buffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return b;
  const out = Buffer.allocUnsafeSlow(b.length);
  b.copy(out);
  return out;
}

const EMPTY_TILE: EncodedTile = { key: '', data: Buffer.alloc(0), etag: '' };

export class TileService {
  readonly cache: ByteLru<EncodedTile>;
  readonly encoderName: EncoderName;
  private encode: TileEncoder;
  private versionTtlMs: number;
  private inflight = new Map<string, Promise<EncodedTile>>();
  private current?: { at: number; map: Map<string, number> };
  private loading?: Promise<Map<string, number>>;
  private extents = new Map<string, Promise<Bbox | null>>();
  /** Tiles built by the encoder (cache misses), for tests and the benchmark. */
  builds = 0;

  constructor(
    private database: Database,
    opts: TileServiceOptions,
  ) {
    this.cache = new ByteLru<EncodedTile>(opts.cacheBytes, (t) => t.data.length + (t.gzip?.length ?? 0));
    this.encoderName = opts.encoder;
    this.encode = ENCODERS[opts.encoder];
    this.versionTtlMs = opts.versionTtlMs ?? 1000;
  }

  /**
   * Current version of every versioned layer, from a read at most `maxAgeMs` old (default: the ≤1 s memo;
   * 0 = read now, as TileJSON does).
   */
  async versions(maxAgeMs = this.versionTtlMs): Promise<Map<string, number>> {
    if (this.current && Date.now() - this.current.at <= maxAgeMs) return this.current.map;
    if (maxAgeMs > 0 && this.loading) return this.loading;
    const startedAt = Date.now();
    const p = layerVersions(this.database.db).then((map) => {
      if (!this.current || this.current.at <= startedAt) {
        const before = this.current?.map;
        this.current = { at: startedAt, map };
        if (before) this.dropStale(before, map);
      }
      return map;
    });
    if (maxAgeMs > 0) {
      this.loading = p;
      p.finally(() => {
        if (this.loading === p) this.loading = undefined;
      }).catch(() => undefined);
    }
    return p;
  }

  /** A version moved on: its layers' older tiles can never be asked for again. */
  private dropStale(before: Map<string, number>, now: Map<string, number>): void {
    for (const layer of TILE_LAYERS) {
      const v = layerVersion(layer, now);
      if (layerVersion(layer, before) === v) continue;
      const keep = `${layer.id}/${v}/`;
      this.cache.deleteWhere((k) => k.startsWith(`${layer.id}/`) && !k.startsWith(keep));
    }
  }

  /**
   * The layer's current version. A client that already knows a newer one (its ?v=, from a TileJSON read after an
   * edit) makes us re-read at once — at most every 100 ms, so made-up versions cannot turn every request into a query.
   */
  async version(layer: TileLayer, atLeast?: number): Promise<number> {
    let v = layerVersion(layer, await this.versions());
    if (atLeast !== undefined && atLeast > v) v = layerVersion(layer, await this.versions(100));
    return v;
  }

  /** The encoded tile (from the cache when possible). Below the layer's minzoom: an empty tile. */
  async tile(layer: TileLayer, z: number, x: number, y: number, version: number): Promise<EncodedTile> {
    if (z < layer.minzoom) return EMPTY_TILE;
    const key = `${layer.id}/${version}/${z}/${x}/${y}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.build(key, layer, z, x, y).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async build(key: string, layer: TileLayer, z: number, x: number, y: number): Promise<EncodedTile> {
    this.builds++;
    const data = ownBytes(await this.encode(this.database.tileDb, layer, z, x, y));
    const tile: EncodedTile = { key, data, etag: data.length ? etagOf(data) : '' };
    this.cache.set(key, tile);
    return tile;
  }

  /** The gzip representation of a non-empty tile, made once and kept with the cached tile. */
  async gzipped(tile: EncodedTile): Promise<{ data: Buffer; etag: string }> {
    if (!tile.gzip || !tile.gzipEtag) {
      const gz = ownBytes(await gzip(tile.data));
      tile.gzipEtag = etagOf(gz);
      tile.gzip = gz;
      this.cache.resize(tile.key);
    }
    return { data: tile.gzip, etag: tile.gzipEtag };
  }

  async tileJson(layer: TileLayer, origin: string): Promise<TileJson> {
    const version = layerVersion(layer, await this.versions(0));
    return tileJson(layer, origin, version, await this.extent(layer, version));
  }

  private extent(layer: TileLayer, version: number): Promise<Bbox | null> {
    const key = `${layer.id}/${version}`;
    let p = this.extents.get(key);
    if (!p) {
      for (const k of this.extents.keys()) if (k.startsWith(`${layer.id}/`)) this.extents.delete(k);
      p = layerExtent(this.database.db, layer);
      p.catch(() => this.extents.delete(key));
      this.extents.set(key, p);
    }
    return p;
  }
}
