/** server/media/image.ts and store.ts on hand-made bytes: magic numbers, EXIF, copies, the filesystem store. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import exifr from 'exifr';
import sharp from 'sharp';
import { derive, exifTime, readExif, sniff, THUMB_MAX, UndecodableImage } from '../../server/media/image.js';
import { FsMediaStore, sha256 } from '../../server/media/store.js';
import { photo } from './photos.js';

const bytes = (...b: (number | string)[]) =>
  Buffer.concat(b.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : Buffer.from([x]))));

describe('media: image handling', () => {
  it('sniffs the type by magic bytes only', () => {
    expect(sniff(bytes(0xff, 0xd8, 0xff, 0xe0))).to.equal('image/jpeg');
    expect(sniff(bytes(0x89, 'PNG\r\n\x1a\n'))).to.equal('image/png');
    expect(sniff(bytes('RIFF', 0, 0, 0, 0, 'WEBPVP8 '))).to.equal('image/webp');
    for (const brand of ['heic', 'heix', 'mif1'])
      expect(sniff(bytes(0, 0, 0, 24, 'ftyp', brand))).to.equal('image/heic');
    expect(sniff(bytes(0, 0, 0, 24, 'ftyp', 'avif'))).to.equal(null);
    expect(sniff(bytes(0, 0, 0, 24, 'ftyp', 'isom'))).to.equal(null); // MP4 video
    expect(sniff(bytes('%PDF-1.7\n'))).to.equal(null);
    expect(sniff(bytes('RIFF', 0, 0, 0, 0, 'WAVE'))).to.equal(null);
    expect(sniff(bytes(0x89, 'PNG'))).to.equal(null); // truncated signature
    expect(sniff(bytes(0xff, 0xd8))).to.equal(null);
    expect(sniff(Buffer.alloc(0))).to.equal(null);
  });

  it('reads EXIF GPS (N/E and S/W) and the time, China Standard Time unless an offset is given', async () => {
    const e = await readExif(await photo({ gps: [116.3913889, 39.9075], taken: '2026:05:01 08:30:00' }));
    expect(e.lat).to.equal(39.9075);
    expect(e.lon).to.be.closeTo(116.3913889, 1e-6);
    expect(e.takenAt!.toISOString()).to.equal('2026-05-01T00:30:00.000Z');
    const w = await readExif(await photo({ gps: [-70.5, -33.25], taken: '2026:01:02 03:04:05', offset: '-03:00' }));
    expect([w.lon, w.lat]).to.deep.equal([-70.5, -33.25]);
    expect(w.takenAt!.toISOString()).to.equal('2026-01-02T06:04:05.000Z');
    expect(await readExif(await photo({}))).to.deep.equal({ takenAt: null, lon: null, lat: null });
    expect(await readExif(bytes('not an image'))).to.deep.equal({ takenAt: null, lon: null, lat: null });
    expect(exifTime('0000:00:00 00:00:00', null)).to.equal(null);
    expect(exifTime('garbage', null)).to.equal(null);
  });

  it('derives an upright public copy without EXIF and a thumbnail of at most 320 px', async () => {
    const original = await photo({ width: 1000, height: 400, gps: [116.39, 39.9], taken: '2026:05:01 08:30:00' });
    const d = (await derive(original, 'image/jpeg'))!;
    expect([d.width, d.height]).to.deep.equal([1000, 400]);
    expect((await sharp(d.public).metadata()).exif).to.equal(undefined);
    expect(await exifr.parse(d.public)).to.equal(undefined);
    const t = await sharp(d.thumb).metadata();
    expect([t.format, t.width, t.height]).to.deep.equal(['jpeg', THUMB_MAX, 128]);
    // Orientation 6 (rotated 90°): the copies are upright, so width and height swap.
    const turned = await photo({ width: 300, height: 100, orientation: 6 });
    const u = (await derive(turned, 'image/jpeg'))!;
    expect([u.width, u.height]).to.deep.equal([100, 300]);
    // Small images are not enlarged.
    const small = (await derive(await photo({ width: 50, height: 40, format: 'png' }), 'image/png'))!;
    expect((await sharp(small.public).metadata()).format).to.equal('png');
    const st = await sharp(small.thumb).metadata();
    expect([st.width, st.height]).to.deep.equal([50, 40]);
  });

  it('refuses bytes with an image magic number that are no image; a HEIC it cannot decode gets no copies', async () => {
    const fake = bytes(0x89, 'PNG\r\n\x1a\n', 'this is just text pretending to be a PNG');
    let err: unknown;
    await derive(fake, 'image/png').catch((e) => (err = e));
    expect(err).to.be.instanceOf(UndecodableImage);
    expect(await derive(bytes(0, 0, 0, 24, 'ftyp', 'heic', 0, 0, 0, 0, 'mif1heic'), 'image/heic')).to.equal(null);
  });

  it('the filesystem store: sharded, atomic, idempotent', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-store-'));
    try {
      const store = new FsMediaStore(root);
      const b = Buffer.from('hello');
      const sha = await store.put(b);
      expect(sha).to.equal(sha256(b)).and.equal('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
      expect(await store.put(b)).to.equal(sha);
      expect(fs.readdirSync(root)).to.deep.equal(['2c']);
      expect(fs.readdirSync(path.join(root, '2c'))).to.deep.equal([`${sha}.original`]);
      await store.putVariant(sha, 'thumb', Buffer.from('t'));
      expect((await store.get(sha, 'thumb'))!.toString()).to.equal('t');
      expect(await store.get(sha, 'public')).to.equal(null);
      expect(await store.has(sha)).to.equal(true);
      expect(await store.has(sha, 'public')).to.equal(false);
      const refused = await store.get('../etc/passwd', 'original').catch((e: Error) => e.message);
      expect(refused).to.equal('not a sha256: ../etc/passwd');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
