/**
 * Response compression (server/http/compress.ts): gzip for large text answers when the client accepts it, the same
 * bytes once decompressed; nothing for small answers, answers with an ETag, binary types or clients without gzip; and a
 * streamed body that fails half-way cuts the response instead of leaving it hanging. The middleware is exercised on a
 * small Koa app of its own (streams that fail on cue) and on the real server (the OpenAPI document, a real export).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { expect } from 'chai';
import Koa from 'koa';
import { compressMiddleware, THRESHOLD } from '../../server/http/compress.js';
import type { Database } from '../../server/db/index.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The response ended with an error (cut) instead of its last byte. */
  cut: boolean;
}

/** A GET with node:http, which does not decompress: the bytes as sent. */
function get(url: string, encoding?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (res) => {
      const chunks: Buffer[] = [];
      const done = (cut: boolean) =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), cut });
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(false));
      res.on('error', () => done(true));
      res.on('aborted', () => done(true));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('the response hung')));
  });
}

const BIG = JSON.stringify({ rows: Array.from({ length: 2000 }, (_, i) => ({ code: `G${i}`, n: i })) });

describe('response compression (server/http/compress.ts)', () => {
  let server: http.Server;
  let url = '';

  before(async () => {
    const app = new Koa();
    app.use(compressMiddleware());
    app.use(async (ctx) => {
      if (ctx.path === '/big') ctx.body = JSON.parse(BIG);
      else if (ctx.path === '/small') ctx.body = { ok: true };
      else if (ctx.path === '/etag') {
        ctx.set('ETag', '"v7"');
        ctx.body = JSON.parse(BIG);
      } else if (ctx.path === '/binary') {
        ctx.type = 'application/vnd.mapbox-vector-tile';
        ctx.body = Buffer.alloc(THRESHOLD * 2, 7);
      } else if (ctx.path === '/stream') {
        ctx.type = 'text/csv';
        ctx.body = Readable.from(
          (function* () {
            for (let i = 0; i < 5000; i++) yield `${i},行${i}\n`;
          })(),
        );
      } else if (ctx.path === '/failing') {
        ctx.type = 'application/x-ndjson';
        ctx.body = Readable.from(
          (async function* () {
            for (let i = 0; i < 3000; i++) yield `{"i":${i}}\n`;
            await new Promise((r) => setTimeout(r, 50));
            throw new Error('the database went away half-way');
          })(),
        );
      }
    });
    app.on('error', () => {});
    server = http.createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

  it('gzips a large JSON answer for a client that accepts gzip: the same JSON once decompressed', async () => {
    const r = await get(`${url}/big`, 'gzip, deflate, br');
    expect([r.status, r.headers['content-encoding'], r.headers.vary]).to.deep.equal([200, 'gzip', 'Accept-Encoding']);
    expect(r.body.length).to.be.below(Buffer.byteLength(BIG) / 4);
    expect(zlib.gunzipSync(r.body).toString()).to.equal(BIG);
  });

  it('sends identity to a client without gzip, and for small answers, ETagged answers and binary types', async () => {
    for (const [path, encoding] of [
      ['/big', undefined],
      ['/big', 'identity'],
      ['/small', 'gzip'],
      ['/etag', 'gzip'],
      ['/binary', 'gzip'],
    ] as const) {
      const r = await get(`${url}${path}`, encoding);
      expect([r.status, r.headers['content-encoding']], `${path} ${encoding}`).to.deep.equal([200, undefined]);
    }
    expect((await get(`${url}/big`)).body.toString()).to.equal(BIG);
    expect((await get(`${url}/etag`, 'gzip')).headers.etag).to.equal('"v7"');
  });

  it('gzips a streamed body whole', async () => {
    const r = await get(`${url}/stream`, 'gzip');
    expect(r.headers['content-encoding']).to.equal('gzip');
    const text = zlib.gunzipSync(r.body).toString();
    expect(text.split('\n')).to.have.length(5001);
    expect(text.endsWith('4999,行4999\n')).to.equal(true);
  });

  it('a stream that fails half-way cuts the gzip response (no hang, no complete-looking file)', async () => {
    const r = await get(`${url}/failing`, 'gzip');
    expect(r.headers['content-encoding']).to.equal('gzip');
    expect(r.cut).to.equal(true);
    // What arrived is not a whole gzip member.
    expect(() => zlib.gunzipSync(r.body)).to.throw();
  });
});

describe(`response compression on the real server (${DRIVER})`, function () {
  this.timeout(60_000);
  let db: Database;
  let server: TestServer;
  before(async () => {
    db = await openTestDatabase();
    server = await startTestServer(db);
  });
  after(async () => {
    await server?.close();
    await db?.close();
  });

  it('the OpenAPI document: gzip when accepted, identity otherwise, the same document', async () => {
    const zipped = await get(`${server.url}/api/openapi.json`, 'gzip');
    const plain = await get(`${server.url}/api/openapi.json`);
    expect([zipped.headers['content-encoding'], plain.headers['content-encoding']]).to.deep.equal(['gzip', undefined]);
    expect(JSON.parse(zlib.gunzipSync(zipped.body).toString())).to.deep.equal(JSON.parse(plain.body.toString()));
  });
});
