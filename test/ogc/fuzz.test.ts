/**
 * OGC API – Features under arbitrary query strings (fast-check): any parameter name or value, on any collection,
 * answers 200, 400 or 404 — never a 5xx — and every 4xx is a problem with a detail. Also: a micro-city without
 * census components does not offer the components collection.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { collectionIds } from '../../server/ogc/collections.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { useMicroCityServer } from '../helpers/micro-server.js';

const PARAMS = [
  'limit',
  'bbox',
  'bbox-crs',
  'datetime',
  'crs',
  'after',
  'before',
  'f',
  'code',
  'community_code',
  'grid_code',
  'state',
  'class',
];

/** Values near the edges of what the parameters take, and anything at all. */
const value = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '0',
    '-1',
    '10001',
    '1e400',
    'Infinity',
    'NaN',
    '9223372036854775808',
    '..',
    '../..',
    '/',
    '2026-02-30',
    '2026-01-01T00:00:00Z/..',
    '99999-01-01',
    '100,20,101,21',
    '-180,-90,180,90',
    '1e308,1e308,1e308,1e308',
    '990001001001001-v99999999999',
    '990001001001001-v1',
    '9223372036854775807',
    'http://www.opengis.net/def/crs/EPSG/0/4490',
    '\u0000',
    '\ud800',
  ),
  fc.tuple(fc.double(), fc.double(), fc.double(), fc.double()).map((n) => n.join(',')),
);

/** encodeURIComponent, except that a lone surrogate becomes the invalid UTF-8 bytes %ED%A0%80 (it would throw). */
function encode(s: string): string {
  return s.replace(/[\s\S]/gu, (ch) => (/^[\ud800-\udfff]$/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch)));
}

describe(`OGC API – Features fuzz (${DRIVER})`, function () {
  this.timeout(600_000);
  const env = useMicroCityServer();

  it('without components the collection is not offered', async () => {
    const cols = (await request(env.server, 'GET', '/ogc/collections')).body.collections.map(
      (c: { id: string }) => c.id,
    );
    expect(cols).not.to.include('components');
    expect(cols).to.have.length(collectionIds().length - 1);
    expect((await request(env.server, 'GET', '/ogc/collections/components/items')).status).to.equal(404);
  });

  it('any query string: 200, 400 or 404, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...collectionIds(), 'nope'),
        fc.boolean(),
        fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), fc.string({ maxLength: 8 })), value), {
          maxLength: 4,
        }),
        async (collection, one, pairs) => {
          const q = pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
          const feature = one ? `/items/${encode(pairs[0]?.[1] ?? '990001001001001')}` : '/items';
          const r = await request(env.server, 'GET', `/ogc/collections/${collection}${feature}?${q}`);
          expect([200, 400, 404], `${r.status} ${r.text.slice(0, 300)}`).to.include(r.status);
          if (r.status !== 200) expect(r.body.detail, r.text).to.be.a('string').and.not.equal('');
          else expect(r.body.type).to.be.oneOf(['FeatureCollection', 'Feature']);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('raw, badly encoded query strings: never 500', async () => {
    for (const raw of ['%', '%zz', 'limit=%ff', 'bbox=%00', 'a=%ED%A0%80', 'datetime=%2F%2F', '&&&=&', 'limit']) {
      const r = await request(env.server, 'GET', `/ogc/collections/grids/items?${raw}`);
      expect([200, 400], `${raw}: ${r.status} ${r.text.slice(0, 200)}`).to.include(r.status);
    }
  });
});
