/**
 * POST /api/media and GET /api/media/:id(/thumb) over HTTP: types by magic bytes, limits, EXIF read and absent from
 * what is served, thumbnails, content-addressed idempotent uploads (one row, one set of files), who may read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import exifr from 'exifr';
import { sql } from 'kysely';
import sharp from 'sharp';
import { createUser } from '../../server/auth/tokens.js';
import type { Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { microCity } from '../fixtures/micro-city.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { photo } from './photos.js';

describe(`media upload and reading (${DRIVER})`, () => {
  let database: Database;
  let server: TestServer;
  let dir: string;
  const t: Record<string, string> = {};

  before(async () => {
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor: { id: null, name: 'test' } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-media-test-'));
    server = await startTestServer(database, { MEDIA_DIR: dir, MEDIA_LIMIT_MB: '1' });
    const users: [string, Parameters<typeof createUser>[2], string?][] = [
      ['collector', 'collector', '990001'],
      ['collector2', 'collector', '990001'],
      ['viewer', 'viewer'],
      ['dispatcher', 'dispatcher'],
      ['scopedDispatcher', 'dispatcher', '990001001'],
      ['admin', 'admin'],
      ['handler', 'department_handler'],
    ];
    for (const [name, role, scope] of users) t[name] = (await createUser(database.db, name, role, scope)).token;
  });
  after(async () => {
    await server?.close();
    await database?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const upload = async (body: Buffer, type = 'image/jpeg', token: string | null = t.collector) => {
    const headers: Record<string, string> = { 'Content-Type': type };
    if (token) headers.Authorization = `Bearer ${token}`;
    const r = await fetch(`${server.url}/api/media`, { method: 'POST', headers, body: new Uint8Array(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined, type: r.headers.get('content-type') };
  };
  const get = async (p: string, token: string | null = t.collector) => {
    const r = await fetch(server.url + p, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const bytes = Buffer.from(await r.arrayBuffer());
    return { status: r.status, type: r.headers.get('content-type'), bytes };
  };
  const rows = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from media`.execute(database.db)).rows[0].n;
  const files = () =>
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();

  let gpsId = 0;
  let gpsSha = '';

  it('201: a JPEG with EXIF GPS and time is stored with them, content-addressed', async () => {
    const original = await photo({
      width: 800,
      height: 600,
      gps: [116.3913889, 39.9075],
      taken: '2026:05:01 08:30:00',
      colour: '#c33',
    });
    const r = await upload(original);
    expect(r.status).to.equal(201);
    const m = r.body;
    gpsId = m.id;
    gpsSha = m.sha256;
    expect(m).to.deep.include({
      content_type: 'image/jpeg',
      bytes: original.length,
      width: 800,
      height: 600,
      taken_at: '2026-05-01T00:30:00.000Z',
      lat: 39.9075,
      case_id: null,
      url: `/api/media/${m.id}`,
      thumb_url: `/api/media/${m.id}/thumb`,
    });
    expect(m.lon).to.be.closeTo(116.3913889, 1e-6);
    expect(m.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(files()).to.deep.equal([`${m.sha256}.original`, `${m.sha256}.public`, `${m.sha256}.thumb`]);
    expect(fs.readdirSync(dir)).to.deep.equal([m.sha256.slice(0, 2)]);
    expect(fs.readFileSync(path.join(dir, m.sha256.slice(0, 2), `${m.sha256}.original`)).equals(original)).to.equal(
      true,
    );
  });

  it('GET serves the photo without EXIF; /thumb is a JPEG of at most 320 px', async () => {
    const r = await get(`/api/media/${gpsId}`);
    expect(r.status).to.equal(200);
    expect(r.type).to.equal('image/jpeg');
    const meta = await sharp(r.bytes).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif]).to.deep.equal(['jpeg', 800, 600, undefined]);
    expect(await exifr.parse(r.bytes)).to.equal(undefined);
    expect(await exifr.gps(r.bytes)).to.equal(undefined);
    const th = await get(`/api/media/${gpsId}/thumb`);
    expect(th.status).to.equal(200);
    expect(th.type).to.equal('image/jpeg');
    const tm = await sharp(th.bytes).metadata();
    expect([tm.format, tm.width, tm.height, tm.exif]).to.deep.equal(['jpeg', 320, 240, undefined]);
  });

  it('a retry of the same bytes answers the same media (200) and stores nothing twice, concurrent ones too', async () => {
    const again = await upload(
      await photo({
        width: 800,
        height: 600,
        gps: [116.3913889, 39.9075],
        taken: '2026:05:01 08:30:00',
        colour: '#c33',
      }),
    );
    expect(again.status).to.equal(200);
    expect(again.body.id).to.equal(gpsId);
    expect(again.body.sha256).to.equal(gpsSha);
    expect(await rows()).to.equal(1);
    expect(files()).to.have.length(3);
    const fresh = await photo({ colour: '#123456' });
    const both = await Promise.all([upload(fresh), upload(fresh, 'image/jpeg', t.collector2)]);
    expect(both.map((r) => r.status).sort()).to.deep.equal([200, 201]);
    expect(both[0].body.id).to.equal(both[1].body.id);
    expect(await rows()).to.equal(2);
    expect(files()).to.have.length(6);
    const audit = await sql<{
      n: number;
    }>`select count(*)::int as n from audit_event where entity = 'media' and action = 'create'`.execute(database.db);
    expect(audit.rows[0].n).to.equal(2);
  });

  it('PNG and WebP keep their format; a photo without EXIF has no time or place', async () => {
    const png = await upload(await photo({ format: 'png', width: 40, height: 30, colour: '#010203' }), 'image/png');
    expect(png.status).to.equal(201);
    expect(png.body).to.deep.include({
      content_type: 'image/png',
      width: 40,
      height: 30,
      taken_at: null,
      lon: null,
      lat: null,
    });
    const pg = await get(`/api/media/${png.body.id}`);
    expect(pg.type).to.equal('image/png');
    expect((await sharp(pg.bytes).metadata()).format).to.equal('png');
    const thumb = await sharp((await get(`/api/media/${png.body.id}/thumb`)).bytes).metadata();
    expect([thumb.width, thumb.height]).to.deep.equal([40, 30]);
    const webp = await upload(
      await photo({ format: 'webp', width: 640, height: 960, colour: '#fedcba' }),
      'application/octet-stream',
    );
    expect(webp.status).to.equal(201);
    expect(webp.body).to.deep.include({ content_type: 'image/webp', width: 640, height: 960 });
    const wt = await sharp((await get(`/api/media/${webp.body.id}/thumb`)).bytes).metadata();
    expect([wt.width, wt.height]).to.deep.equal([213, 320]);
  });

  it('a HEIC the server cannot decode is stored as sent, without a thumbnail', async () => {
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
      Buffer.from('opaque HEVC payload'),
    ]);
    const r = await upload(heic, 'image/heic');
    expect(r.status).to.equal(201);
    expect(r.body).to.deep.include({ content_type: 'image/heic', width: null, height: null, thumb_url: null });
    const g = await get(`/api/media/${r.body.id}`);
    expect(g.type).to.equal('image/heic');
    expect(g.bytes.equals(heic)).to.equal(true);
    const th = await get(`/api/media/${r.body.id}/thumb`);
    expect(th.status).to.equal(404);
    expect(JSON.parse(th.bytes.toString()).detail).to.equal(`media ${r.body.id} (image/heic) has no thumbnail`);
  });

  it('415 for what is no image by its bytes, whatever the header says; 413 over MEDIA_LIMIT_MB; 400 empty; nothing stored', async () => {
    const before = [await rows(), files().length];
    const pngText = Buffer.concat([Buffer.from([0x89]), Buffer.from('PNG\r\n\x1a\nhello, I am text', 'latin1')]);
    const cases: [Buffer, string, number, RegExp][] = [
      [pngText, 'image/png', 415, /^the body starts like image\/png but is not a readable image: /],
      [
        Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'),
        'image/jpeg',
        415,
        /^the body is not a JPEG, PNG, WebP or HEIC image by its bytes/,
      ],
      [
        Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'),
        'image/gif',
        415,
        /^the body is not a JPEG, PNG, WebP or HEIC image/,
      ],
      [
        await photo({ colour: '#777777' }),
        'text/plain',
        415,
        /^send the image bytes as image\/\* \(got "text\/plain"\)$/,
      ],
      [
        Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(1024 * 1024)]),
        'image/jpeg',
        413,
        /exceeds the limit of 1048576 bytes/,
      ],
      [Buffer.alloc(0), 'image/jpeg', 400, /^the request body is empty/],
    ];
    for (const [body, type, status, detail] of cases) {
      const r = await upload(body, type);
      expect(r.status, type).to.equal(status);
      expect(r.type).to.equal('application/problem+json');
      expect(r.body.detail).to.match(detail);
    }
    expect([await rows(), files().length]).to.deep.equal(before);
  });

  it('a token is needed; unattached media are read by their uploader and unscoped centre staff only', async () => {
    expect((await upload(await photo({ colour: '#000001' }), 'image/jpeg', null)).status).to.equal(401);
    expect((await get(`/api/media/${gpsId}`, null)).status).to.equal(401);
    expect((await get(`/api/media/${gpsId}/thumb`, null)).status).to.equal(401);
    const expected: Record<string, number> = {
      collector: 200, // the uploader
      collector2: 404,
      viewer: 404,
      handler: 404,
      scopedDispatcher: 404,
      dispatcher: 200,
      admin: 200,
    };
    for (const [who, status] of Object.entries(expected)) {
      expect((await get(`/api/media/${gpsId}`, t[who])).status, who).to.equal(status);
      expect((await get(`/api/media/${gpsId}/thumb`, t[who])).status, who).to.equal(status);
    }
    const missing = await get('/api/media/999999', t.admin);
    expect(missing.status).to.equal(404);
    expect((await get('/api/media/abc', t.admin)).status).to.equal(400);
    // A viewer may upload (every signed-in role) and read what it uploaded.
    const v = await upload(await photo({ colour: '#0000aa' }), 'image/jpeg', t.viewer);
    expect(v.status).to.equal(201);
    expect((await get(`/api/media/${v.body.id}`, t.viewer)).status).to.equal(200);
    expect((await get(`/api/media/${v.body.id}`, t.collector)).status).to.equal(404);
  });
});
