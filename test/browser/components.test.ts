/**
 * Census components (部件) on the web map in chromium, over the micro-city with its five components
 * (test/fixtures/micro-components.ts): circles at z16 from the `components` tiles, count bubbles at z13 from
 * `component_counts`, the 部件 layer toggle, and a click on a component opening its panel with what
 * GET /api/components/{code} says. Runs when chromium exists (see test/helpers/browser.ts).
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { RESULTS, openBrowser, skipReason, type BrowserSession } from '../helpers/browser.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { microCity } from '../fixtures/micro-city.js';
import { insertComponents } from '../fixtures/micro-components.js';

const DAMAGED = { code: '99000101001000002', lon: 100.0015, lat: 20.0025 };

describe(`components on the web map in chromium (${DRIVER})`, function () {
  this.timeout(180_000);
  let database: Database | undefined;
  let server: TestServer | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;

  const idle = () =>
    page.evaluate(() =>
      Promise.race([
        window.__wangge!.settle(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('map did not settle within 30 s')), 30_000)),
      ]),
    );
  const jumpTo = async (center: [number, number], zoom: number) => {
    await page.evaluate(([c, z]) => window.__wangge!.map.jumpTo({ center: c as [number, number], zoom: z as number }), [
      center,
      zoom,
    ] as const);
    await idle();
  };
  /** Properties of the rendered features of a style layer. */
  const rendered = (layer: string) =>
    page.evaluate((id) => window.__wangge!.map.queryRenderedFeatures({ layers: [id] }).map((f) => f.properties), layer);

  before(async function () {
    this.timeout(600_000);
    const reason = skipReason();
    if (reason) {
      console.log(`NOTICE: browser tests skipped: ${reason}`);
      this.skip();
    }
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor: { id: null, name: 'test' } });
    await insertComponents(database);
    server = await startTestServer(database);
    browser = await openBrowser();
    page = browser.page;
    await page.goto(server.url + '/');
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset.state)).to.equal('ready');
  });

  afterEach(function () {
    if (this.currentTest?.state === 'pending') return;
    expect(browser!.takeErrors(), 'errors in the page console').to.deep.equal([]);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await database?.close();
  });

  it('names the zooms of its TileJSONs in the layer switcher and the major classes in the legend', async () => {
    const zooms = await page.evaluate(() =>
      ['components', 'componentCounts'].map(
        (k) => document.querySelector(`#layers [data-minzoom="${k}"]`)?.textContent,
      ),
    );
    const tj = await Promise.all(
      ['components', 'component_counts'].map(async (l) => (await fetch(`${server!.url}/tiles/${l}.json`)).json()),
    );
    expect(zooms).to.deep.equal([String(tj[0].minzoom), String(tj[1].minzoom)]);
    await page.waitForSelector('#component-legend:not([hidden]) li[data-major="05"]');
    const legend = await page.$$eval('#component-legend li[data-major]', (lis) =>
      lis.map((li) => [li.getAttribute('data-major'), li.textContent]),
    );
    expect(legend).to.deep.equal([
      ['01', '市政公用设施'],
      ['02', '交通设施'],
      ['03', '市容环卫设施'],
      ['04', '园林绿化设施'],
      ['05', '其他管理部件'],
    ]);
  });

  it('draws count bubbles at z13 and no single components there', async () => {
    await jumpTo([100.0035, 20.0015], 13);
    const bubbles = (await rendered('component-count-bubble')) as { grid_code: string; count: number }[];
    const byGrid = Object.fromEntries(bubbles.map((b) => [b.grid_code, b.count]));
    expect(byGrid).to.deep.equal({
      '990001001001001': 1,
      '990001001001002': 2,
      '990001001001003': 1,
      '990001002001002': 1,
    });
    expect(await rendered('component-point')).to.have.length(0);
  });

  it('draws the components at z16 as circles (and the 护栏 as a line), and the 部件 toggle hides them', async () => {
    await jumpTo([100.0015, 20.0018], 16);
    const points = (await rendered('component-point')).map((p) => p.code as string);
    expect([...new Set(points)].sort()).to.deep.equal([
      '99000101001000001',
      '99000101001000002',
      '99000102003000001',
      '9900010301000001',
    ]);
    const lines = (await rendered('component-line')).map((p) => p.code);
    expect([...new Set(lines)]).to.deep.equal(['99000104008000001']);
    expect(await rendered('component-count-bubble')).to.have.length(0);
    await page.click('#layers input[data-group="components"]');
    await idle();
    expect(await rendered('component-point')).to.have.length(0);
    await page.click('#layers input[data-group="components"]');
    await idle();
    expect(await rendered('component-point')).to.have.length.greaterThan(0);
  });

  it('opens the component panel on a click: code, class, status, grid; the grid panel stays closed', async () => {
    await jumpTo([DAMAGED.lon, DAMAGED.lat], 17);
    const pt = await page.evaluate(
      ([lon, lat]) => {
        const p = window.__wangge!.map.project([lon, lat]);
        const r = window.__wangge!.map.getCanvas().getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      },
      [DAMAGED.lon, DAMAGED.lat],
    );
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector(`#component-info[data-code="${DAMAGED.code}"]:not([hidden])`, { timeout: 10_000 });
    const field = (f: string) => page.textContent(`#component-info [data-field="${f}"]`);
    expect(await field('code')).to.equal(DAMAGED.code);
    expect(await field('class')).to.equal('市政公用设施 · 供水井盖（01001）');
    expect(await field('name')).to.equal('东湖路供水井盖');
    expect(await field('status')).to.equal('破损');
    expect(await page.isHidden('#info')).to.equal(true);
    const api = await (await fetch(`${server!.url}/api/components/${DAMAGED.code}`)).json();
    if ('grid_code' in api) expect(await field('grid')).to.equal('990001001001002');
    await idle();
    const ringed = await rendered('component-selected');
    expect(ringed.map((p) => p.code)).to.include(DAMAGED.code);
    await page.screenshot({ path: path.join(RESULTS, 'map-components.png') });

    // A click beside it, on the grid, closes the component panel and opens the grid's.
    await page.mouse.click(pt.x + 60, pt.y + 60);
    await page.waitForSelector('#info:not([hidden])', { timeout: 10_000 });
    expect(await page.isHidden('#component-info')).to.equal(true);
  });
});
