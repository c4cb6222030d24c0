/** Reverse geocoding on the micro-city's gazetteer: the standard sentence for points with known answers. */
import { expect } from 'chai';
import { importAddresses } from '../../server/addresses/import.js';
import { openCensusFile } from '../../server/components/readers.js';
import { GAZETTEER } from '../fixtures/micro-gazetteer.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { useMicroCityServer } from '../helpers/micro-server.js';

describe(`reverse geocoding (${DRIVER})`, function () {
  this.timeout(240_000);
  const env = useMicroCityServer();
  before(async () => {
    const file = await openCensusFile(
      { bytes: new TextEncoder().encode(JSON.stringify(GAZETTEER)) },
      { name: 'g.geojson' },
    );
    await importAddresses(env.database, file, { actor: { id: null, name: 'test' } });
  });
  const reverse = async (lon: number, lat: number) =>
    (await request(env.server, 'GET', `/api/geocode/reverse?lon=${lon}&lat=${lat}`)).body;

  it('at a doorplate: its address without a direction', async () => {
    const r = await reverse(100.0065, 20.00145);
    expect(r.address).to.equal('山前街道河东社区长青路12号');
    expect(r.doorplate).to.deep.equal({
      address: '长青路12号',
      road: '长青路',
      number: '12',
      building: '',
      distance_m: 0,
    });
    expect(r.grid).to.deep.equal({ code: '990001002002002', name: r.grid.name });
  });

  it('15 m east of a doorplate: direction and distance', async () => {
    const r = await reverse(100.0026434, 20.00155);
    expect(r.address).to.equal('湖滨街道西湖社区长青路3号东侧约15米');
    expect(r.doorplate.distance_m).to.be.within(14.9, 15.1);
  });

  it('inside a landmark with no doorplate within 100 m; beside it; near only the road', async () => {
    expect((await reverse(100.0045, 20.0019)).address).to.equal('山前街道公园社区第一中学内');
    expect((await reverse(100.0035, 20.0013)).address).to.equal('山前街道公园社区第一中学西侧约50米');
    const far = await reverse(100.0005, 20.0029);
    expect(far.address).to.equal('湖滨街道东湖社区长青路附近');
    expect(far.road.name).to.equal('长青路');
  });

  it('bad coordinates are 400', async () => {
    expect((await request(env.server, 'GET', '/api/geocode/reverse?lon=200&lat=20')).status).to.equal(400);
    expect((await request(env.server, 'GET', '/api/geocode/reverse?lon=100')).status).to.equal(400);
  });
});
