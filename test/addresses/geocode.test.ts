/**
 * Forward geocoding on the micro-city's gazetteer (test/fixtures/micro-gazetteer.ts): every form the issue lists, with
 * the exact candidate, level, position, region codes and score (score = 0.55·N + 0.25·M + 0.05·B + 0.15·R).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { importAddresses } from '../../server/addresses/import.js';
import { openCensusFile } from '../../server/components/readers.js';
import { GAZETTEER } from '../fixtures/micro-gazetteer.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { useMicroCityServer } from '../helpers/micro-server.js';

interface Cand {
  address: string;
  level: string;
  lon: number;
  lat: number;
  score: number;
  grid_code: string | null;
  community_code: string | null;
  street_code: string | null;
  reasons: string[];
}

describe(`forward geocoding (${DRIVER})`, function () {
  this.timeout(240_000);
  const env = useMicroCityServer();
  before(async () => {
    const file = await openCensusFile(
      { bytes: new TextEncoder().encode(JSON.stringify(GAZETTEER)) },
      { name: 'g.geojson' },
    );
    await importAddresses(env.database, file, { actor: { id: null, name: 'test' } });
  });
  const geocode = async (q: string, limit?: number) => {
    const r = await request(
      env.server,
      'GET',
      `/api/geocode?q=${encodeURIComponent(q)}${limit === undefined ? '' : `&limit=${limit}`}`,
    );
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return r.body as { query: string; parsed: Record<string, unknown>; candidates: Cand[] };
  };
  const first = async (q: string) => (await geocode(q)).candidates[0]!;
  const close = (a: number, b: number) => expect(a).to.be.closeTo(b, 1e-9);

  // 长青路3号 at (100.0025, 20.00155): cell (2,1) = grid 990001001002002 of 西湖社区, 湖滨街道.
  const NO3 = {
    address: '湖滨街道西湖社区长青路3号',
    level: 'doorplate',
    grid_code: '990001001002002',
    community_code: '990001001002',
    street_code: '990001001',
  };

  it('the full standard address and every prefix left out: the doorplate, score 1', async () => {
    for (const q of [
      '微型示范区湖滨街道西湖社区长青路3号',
      '湖滨街道西湖社区长青路3号',
      '西湖社区长青路3号',
      '长青路3号',
      '  长青路 3 号 ',
    ]) {
      const c = await first(q);
      expect(c, `${q} ${JSON.stringify(c)}`).to.include({ ...NO3, score: 1 });
      close(c.lon, 100.0025);
      close(c.lat, 20.00155);
    }
    const r = await geocode('湖滨街道西湖社区长青路3号');
    expect(r.parsed).to.include({ street: '湖滨街道', community: '西湖社区', road: '长青路', number: '3' });
  });

  it('full-width digits, Chinese numerals and 号院 name the same doorplate', async () => {
    for (const q of ['长青路１２号', '长青路十二号', '长青路12号院', '长青路12']) {
      const c = await first(q);
      expect(c, q).to.include({
        address: '山前街道河东社区长青路12号',
        level: 'doorplate',
        score: 1,
        community_code: '990001002002',
        street_code: '990001002',
      });
      close(c.lon, 100.0065);
    }
  });

  it('号楼 and 栋 name the building plate inside the doorplate; 单元 is ignored', async () => {
    for (const q of ['长青路12号3栋', '长青路12号3号楼', '长青路十二号三栋二单元', '长青路12号3幢']) {
      const r = await geocode(q);
      expect(r.candidates[0], q).to.include({ address: '山前街道河东社区长青路12号3栋', level: 'doorplate', score: 1 });
      // The doorplate itself next: building unknown there (B = 0.8 → 0.99).
      expect(r.candidates[1], q).to.include({ address: '山前街道河东社区长青路12号', score: 0.99 });
    }
    // Without a building, the doorplate ranks above its building plate (B 1 vs 0.9).
    const r = await geocode('长青路12号');
    expect(r.candidates.map((c) => [c.address, c.score]).slice(0, 2)).to.deep.equal([
      ['山前街道河东社区长青路12号', 1],
      ['山前街道河东社区长青路12号3栋', 0.995],
    ]);
  });

  it('a number missing from the gazetteer is interpolated between the nearest plates of the same parity, on their side', async () => {
    // 5: odd, between 3 (100.0025) and 11 (100.0065) on the north side: t = 2/8 → lon 100.0035, lat 20.00155.
    const odd = await first('长青路5号');
    expect(odd).to.include({
      address: '山前街道公园社区长青路5号',
      level: 'interpolated',
      score: 0.95,
      grid_code: '990001002001001',
      community_code: '990001002001',
      street_code: '990001002',
    });
    close(odd.lon, 100.0035);
    close(odd.lat, 20.00155);
    // 8: even, between 2 (100.0005) and 12 (100.0065) on the south side: t = 6/10 → lon 100.0041, lat 20.00145,
    // the ring's hole = grid 990001002001002.
    const even = await first('长青路八号');
    expect(even).to.include({
      level: 'interpolated',
      grid_code: '990001002001002',
      address: '山前街道公园社区长青路8号',
    });
    close(even.lon, 100.0041);
    close(even.lat, 20.00145);
    // 13: no odd plate above 11 → no interpolation: the road itself (number unknown: M = 0.5 → 0.875).
    const road = await first('长青路13号');
    expect(road).to.include({ address: '微型示范区长青路', level: 'road', score: 0.875 });
    close(road.lon, 100.0035);
    close(road.lat, 20.0015);
  });

  it('road aliases and landmark names and aliases', async () => {
    expect(await first('长青大道3号')).to.include({ address: NO3.address, score: 0.973 });
    expect(await first('老长青路3号')).to.include({ address: NO3.address, score: 0.973 });
    const school = await first('第一中学');
    expect(school).to.include({
      address: '山前街道公园社区第一中学',
      level: 'landmark',
      score: 1,
      community_code: '990001002001',
    });
    expect(school.lon).to.be.within(100.004, 100.005);
    expect(school.lat).to.be.within(20.001, 20.002);
    const alias = await first('市一中');
    expect(alias).to.include({ address: '山前街道公园社区第一中学', score: 0.973 });
    expect(alias.reasons).to.include('alias 市一中');
  });

  it('a one-character typo in a road or landmark name', async () => {
    // 长清路: same pinyin changqing → N = 0.85; 长轻路 too; 长晴路… a plain one edit (N = 0.75) for 长林路.
    expect(await first('长清路3号')).to.include({ address: NO3.address, score: 0.918 });
    const edit = await first('长林路3号');
    expect(edit).to.include({ address: NO3.address, score: 0.863 });
    expect(edit.reasons[0]).to.equal('one edit (长青路)');
    expect(await first('第一中校')).to.include({ address: '山前街道公园社区第一中学', score: 0.863 });
  });

  it('a region that disagrees with the place lowers the score and says so (the README example)', async () => {
    const c = await first('湖滨街道长青路十二号3栋2单元');
    expect(c).to.deep.include({
      address: '山前街道河东社区长青路12号3栋',
      level: 'doorplate',
      score: 0.85,
      grid_code: '990001002002002',
      reasons: ['exact name', 'number exact 12', 'building exact 3', 'street differs'],
    });
    close(c.lon, 100.0066);
    close(c.lat, 20.0014);
  });

  it('regions alone, the limit, and nothing found', async () => {
    expect(await first('西湖社区')).to.deep.include({
      address: '微型示范区湖滨街道西湖社区',
      level: 'community',
      score: 1,
      grid_code: null,
      community_code: '990001001002',
      street_code: '990001001',
    });
    expect(await first('山前街道')).to.include({
      address: '微型示范区山前街道',
      level: 'street',
      street_code: '990001002',
    });
    expect((await geocode('长青路12号', 1)).candidates).to.have.length(1);
    expect((await geocode('火星基地')).candidates).to.deep.equal([]);
  });

  it('any text: 200, candidates best first, scores in 0–1, known levels (property)', async () => {
    const piece = fc.constantFrom(
      '微型示范区',
      '湖滨街道',
      '西湖社区',
      '长青路',
      '长青',
      '长清路',
      '第一中学',
      '一中',
      '号',
      '号院',
      '号楼',
      '栋',
      '单元',
      '十二',
      '１２',
      '3',
      '5',
      '-',
      '之',
      '#',
      ' ',
      '路',
      '市',
      '省',
      '室',
      '火星',
      '\u0000',
      '😀',
      '%',
    );
    const levels = ['doorplate', 'interpolated', 'landmark', 'road', 'community', 'street', 'district'];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(piece, { minLength: 1, maxLength: 8 }).map((a) => a.join('')),
          fc.string({ minLength: 1 }),
        ),
        async (q) => {
          const r = await request(env.server, 'GET', `/api/geocode?q=${encodeURIComponent(q)}`);
          // Too long, or a NUL (PostgreSQL text cannot hold it; refused for every route): 400.
          if (q.length > 200 || q.includes('\u0000')) {
            expect(r.status, q).to.equal(400);
            return;
          }
          expect(r.status, q).to.equal(200);
          const c = r.body.candidates as Cand[];
          expect(c.length).to.be.at.most(5);
          for (let i = 0; i < c.length; i++) {
            expect(c[i]!.score).to.be.within(0, 1);
            expect(levels).to.include(c[i]!.level);
            if (i > 0) expect(c[i]!.score).to.be.at.most(c[i - 1]!.score);
          }
        },
      ),
      { numRuns: 150, seed: 20261203 },
    );
  });

  it('bad queries are 400 problems', async () => {
    for (const path of ['/api/geocode', '/api/geocode?q=', '/api/geocode?q=a&limit=0', '/api/geocode?q=a&limit=21']) {
      const r = await request(env.server, 'GET', path);
      expect(r.status, path).to.equal(400);
      expect(r.headers.get('content-type'), path).to.match(/problem\+json/);
    }
    expect((await request(env.server, 'GET', `/api/geocode?q=${'路'.repeat(201)}`)).status).to.equal(400);
  });
});
