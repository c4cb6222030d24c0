/**
 * Hotline intake by address (受理 by 12345 calls): a report with an address and no location is geocoded on the
 * micro gazetteer. Found → placed ('geocoded', with the score); ambiguous, too coarse (a road) or not found → stored
 * all the same, unplaced (needs_location) with its candidates, until a dispatcher places it. A report with a
 * location and no address gets the reverse-geocoded sentence.
 */
import { expect } from 'chai';
import { importAddresses } from '../../server/addresses/import.js';
import { openCensusFile } from '../../server/components/readers.js';
import { f, GAZETTEER, pt } from '../fixtures/micro-gazetteer.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { caseRow, eventRows, P, setUpWorld, tearDownWorld, type World } from './fixture.js';

const gazetteer = (fc: unknown) =>
  openCensusFile({ bytes: new TextEncoder().encode(JSON.stringify(fc)) }, { name: 'g.geojson' });

describe(`intake by address (${DRIVER})`, function () {
  this.timeout(240_000);
  let w: World;
  before(async () => {
    w = await setUpWorld();
    // The micro gazetteer plus a homophone road 长清路 along lat 20.0025 with its own 3号 (for an ambiguous call).
    const extra = {
      type: 'FeatureCollection',
      features: [
        ...GAZETTEER.features,
        f(
          { kind: 'road', name: '长清路' },
          {
            type: 'LineString',
            coordinates: [
              [100.0, 20.0025],
              [100.007, 20.0025],
            ],
          },
        ),
        f({ kind: 'doorplate', road: '长清路', number: '3' }, pt(100.005, 20.00255)),
      ],
    };
    await importAddresses(w.database, await gazetteer(extra), { actor: { id: null, name: 'test' } });
  });
  after(() => tearDownWorld(w));

  const call = (address: string | undefined, extra: Record<string, unknown> = {}) =>
    request(w.server, 'POST', '/api/cases', {
      token: w.u.disp.token,
      body: {
        channel: 'hotline_12345',
        category: 'matter:06010',
        description: '市民来电：垃圾堆积',
        address,
        ...extra,
      },
    });
  const view = async (id: number, token = w.u.disp.token) => request(w.server, 'GET', `/api/cases/${id}`, { token });

  it('an address that geocodes unambiguously places the case (geocoded, with the score) and assigns it', async () => {
    const r = await call('湖滨街道长青路3号');
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    const c = r.body;
    expect(c).to.deep.include({ needs_location: false, location_source: 'geocoded', address: '湖滨街道长青路3号' });
    expect(c.address_source).to.equal('reported');
    expect(c.location).to.deep.include({ lon: 100.0025, lat: 20.00155 });
    expect(c.geocode).to.deep.include({
      query: '湖滨街道长青路3号',
      accepted: true,
      reason: null,
      score: 1,
      level: 'doorplate',
    });
    expect(c.geocode.candidates[0].address).to.equal('湖滨街道西湖社区长青路3号');
    expect(c.assignment.grid.code).to.equal('990001001002002');
    expect(c.assignment.department.code).to.equal('HW');
    // An interpolated number places it too (score 0.95).
    const i = (await call('长青路5号')).body;
    expect(i).to.deep.include({ needs_location: false, location_source: 'geocoded' });
    expect(i.geocode).to.deep.include({ accepted: true, score: 0.95, level: 'interpolated' });
    expect(i.assignment.grid.code).to.equal('990001002001001');
    const e = await eventRows(w, c.id);
    expect(e[0].detail).to.deep.include({ location_source: 'geocoded', geocode: { accepted: true, score: 1 } });
  });

  it('ambiguous, a road only, or nothing found: stored unplaced with the candidates, never refused', async () => {
    const amb = await call('长晴路3号');
    expect(amb.status, JSON.stringify(amb.body)).to.equal(201);
    expect(amb.body).to.deep.include({ needs_location: true, location_source: 'geocoded' });
    expect(amb.body.location).to.deep.include({ lon: null, lat: null });
    expect(amb.body.geocode.accepted).to.equal(false);
    expect(amb.body.geocode.reason).to.equal('ambiguous: 湖滨街道西湖社区长青路3号 scores 0.918');
    expect(amb.body.geocode.candidates.map((x: { address: string }) => x.address).slice(0, 2)).to.deep.equal([
      // Equal scores (same pinyin changqing): the address decides the order, deterministically.
      '山前街道公园社区长清路3号',
      '湖滨街道西湖社区长青路3号',
    ]);
    expect(amb.body.assignment).to.deep.include({ grid: null, department: null });
    expect(amb.body.allowed_actions).to.include('accept').and.not.include('request_verify');

    const road = (await call('长青路')).body;
    expect(road).to.deep.include({ needs_location: true });
    expect(road.geocode).to.deep.include({
      accepted: false,
      level: 'road',
      reason: 'the best candidate is a road, not a place',
    });

    const none = (await call('火星基地七号楼')).body;
    expect(none).to.deep.include({ needs_location: true });
    expect(none.geocode).to.deep.include({ accepted: false, reason: 'no candidate', score: null, candidates: [] });
    const row = await caseRow(w, none.id);
    expect(row).to.include({ lon: null, lat: null, geom: null, grid_code: null, needs_location: true });

    // The queue of unplaced reports; a street-scoped dispatcher does not see them (they belong to no region yet).
    const q = await request(w.server, 'GET', '/api/cases?needs_location=true', { token: w.u.disp.token });
    expect(q.body.items.map((x: { id: number }) => x.id)).to.deep.equal([none.id, road.id, amb.body.id]);
    expect((await view(none.id, w.u.disp2.token)).status).to.equal(404);
  });

  it('a dispatcher places an unplaced case: assigned, a locate event; 立案 waits for it', async () => {
    const id = (await call('长晴路3号')).body.id;
    const act = (action: string) =>
      request(w.server, 'POST', `/api/cases/${id}/actions`, { token: w.u.disp.token, body: { action } });
    expect((await act('accept')).status).to.equal(200);
    const refused = await act('file');
    expect(refused.status).to.equal(409);
    expect(refused.body.detail).to.equal(
      `case ${id} has no position yet (its address could not be placed): place it first with POST /api/cases/${id}/location`,
    );
    const path = `/api/cases/${id}/location`;
    const body = { location: { lon: 100.005, lat: 20.00255 } };
    expect((await request(w.server, 'POST', path, { token: w.u.coll.token, body })).status).to.equal(403);
    expect(
      (await request(w.server, 'POST', path, { token: w.u.disp.token, body, headers: { 'If-Match': '"0"' } })).status,
    ).to.equal(412);
    expect(
      (await request(w.server, 'POST', path, { token: w.u.disp.token, body: { location: { lon: 200, lat: 0 } } }))
        .status,
    ).to.equal(400);
    const placed = await request(w.server, 'POST', path, { token: w.u.disp.token, body });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(200);
    expect(placed.body).to.deep.include({ needs_location: false, location_source: 'placed' });
    expect(placed.body.location).to.deep.include({ lon: 100.005, lat: 20.00255 });
    expect(placed.body.assignment.grid.code).to.equal('990001002001001');
    expect(placed.body.assignment.department.code).to.equal('HW');
    const e = await eventRows(w, id);
    expect(e.at(-1)).to.deep.include({ action: 'locate', from_state: 'accepted', to_state: 'accepted' });
    expect(e.at(-1)!.detail).to.deep.include({ was_unplaced: true, grid: '990001002001001', department: 'HW' });
    expect((await act('file')).status).to.equal(200);
    // Dispatched cases are not re-placed.
    expect((await act('dispatch')).status).to.equal(200);
    const late = await request(w.server, 'POST', path, { token: w.u.disp.token, body });
    expect(late.status).to.equal(409);
  });

  it('a report with a location and no address gets the reverse-geocoded sentence', async () => {
    const r = await request(w.server, 'POST', '/api/cases', {
      token: w.u.coll.token,
      body: { channel: 'collector', category: 'matter:06010', description: '暴露垃圾', location: P.c21 },
    });
    expect(r.status).to.equal(201);
    // 长青路3号 is 0.00005° (5.5 m) north of the point.
    expect(r.body).to.deep.include({
      address: '湖滨街道西湖社区长青路3号南侧约6米',
      address_source: 'reverse',
      location_source: 'reported',
      needs_location: false,
      geocode: null,
    });
  });

  it('neither location nor address (nor a component) is still a 422, and nothing is stored', async () => {
    const before = (await request(w.server, 'GET', '/api/cases?limit=500', { token: w.u.disp.token })).body.items
      .length;
    for (const address of [undefined, '   ']) {
      const r = await call(address);
      expect(r.status).to.equal(422);
      expect(r.body.detail).to.equal(
        "missing required body field 'location' (it may be left out when 'component_code' names a component or 'address' gives the place)",
      );
    }
    const after = (await request(w.server, 'GET', '/api/cases?limit=500', { token: w.u.disp.token })).body.items.length;
    expect(after).to.equal(before);
  });
});
