/**
 * The web map in a real browser: Debian's chromium (WebGL2 on SwiftShader) driven by playwright-core against the
 * real app over the demo city (or the micro-city while the demo-city generator is absent).
 *
 * WANGGE_BROWSER_TESTS: unset → run when /usr/bin/chromium exists, else skip with a notice; `skip` → skip;
 * `require` → fail when chromium is missing. Screenshots go to test-results/map.png, map-zoomed.png and map-deck.png.
 *
 * Each tile layer is checked on its own (rendered features > 0 at a zoom where it shows): without a working
 * MapLibre worker the vector layers stay empty while the page still looks alive.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { RESULTS, openBrowser, skipReason, type BrowserSession } from '../helpers/browser.js';
import type { Feature, Geometry } from 'geojson';
import type { Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createUser } from '../../server/auth/tokens.js';
import { microCity } from '../fixtures/micro-city.js';
import { bboxOf, labelPoint } from '../../web-map/src/geo.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const HAVE_DEMO_CITY = fs.existsSync(path.join(ROOT, 'server', 'demo', 'city', 'generate.ts'));

type GridProps = { code: string; name: string; area_m2: number; community_code: string; street_code: string };
type GridFeature = Feature<Geometry, GridProps>;

describe(`web map in chromium (${DRIVER}, ${HAVE_DEMO_CITY ? 'demo city' : 'micro-city'})`, function () {
  this.timeout(180_000);
  let database: Database | undefined;
  let server: TestServer | undefined;
  let context: BrowserContext | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;
  let grids: GridFeature[] = [];
  /** Console errors and uncaught exceptions of the page since the last check. */
  /** While true, failed loads of /api/grids/ (the 404/400 the search test provokes) are expected. */

  const api = async <T>(p: string): Promise<T> => {
    const res = await request<T>(server!, 'GET', p);
    expect(res.status, `GET ${p}`).to.equal(200);
    return res.body;
  };

  /** Waits until the map has drawn everything of the current view (tiles loaded, labels placed, no transition). */
  const idle = () =>
    page.evaluate(() =>
      Promise.race([
        window.__wangge!.settle(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('map did not settle within 30 s')), 30_000)),
      ]),
    );

  const jumpTo = async (center: number[], zoom: number) => {
    await page.evaluate(
      ([c, z]) => window.__wangge!.map.jumpTo({ center: c as [number, number], zoom: z as number }),
      [center, zoom],
    );
    await idle();
  };

  const rendered = (layers: string[]) =>
    page.evaluate((ids) => {
      const map = window.__wangge!.map;
      return Object.fromEntries(ids.map((id) => [id, map.queryRenderedFeatures({ layers: [id] }).length]));
    }, layers);

  /** A point inside the grid (not its centroid: grids may be rings or multipolygons). */
  const inside = (g: GridFeature) => labelPoint(g.geometry)!;

  before(async function () {
    this.timeout(600_000);
    const reason = skipReason();
    if (reason) {
      console.log(`NOTICE: browser tests skipped: ${reason}`);
      this.skip();
    }
    database = await openTestDatabase();
    if (HAVE_DEMO_CITY) {
      const { loadDemoCity } = await import('../../server/demo/load.js');
      await loadDemoCity(database, { dispatch: false });
    } else {
      await importRegions(database, microCity(), { actor: { id: null, name: 'test' } });
    }
    server = await startTestServer(database);

    // Two grids of different communities where possible: one to click, one to search for.
    const page1 = await api<{ features: GridFeature[] }>('/api/grids?limit=1000');
    const all = page1.features;
    const first = all[0];
    const other =
      all.find((g) => g.properties.community_code !== first.properties.community_code) ?? all[all.length - 1];
    grids = [first, other];

    browser = await openBrowser();
    ({ context, page } = browser);
    await page.goto(server.url + '/');
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
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

  it('loads: the map, its sources and the deck.gl overlay are ready', async () => {
    const state = await page.evaluate(() => [
      document.body.dataset.state,
      document.querySelector('#status')?.textContent,
    ]);
    expect(state[0], `page state (status line: "${state[1]}")`).to.equal('ready');
    const s = await page.evaluate(async () => {
      const w = window.__wangge!;
      await w.ready;
      const map = w.map as typeof w.map & { _controls: unknown[] };
      const deck = (w.overlay.control as unknown as { _deck?: { isInitialized: boolean } })._deck;
      return {
        loaded: map.loaded(),
        sources: ['streets', 'communities', 'grids'].map((id) => map.isSourceLoaded(id)),
        control: map._controls.includes(w.overlay.control),
        deck: !!deck?.isInitialized,
        interleaved: w.overlay.control.getCanvas() === map.getCanvas(),
        deckLayers: w.overlay.layers().length,
        title: document.title,
        lang: document.documentElement.lang,
      };
    });
    expect(s).to.deep.include({
      loaded: true,
      control: true,
      deck: true,
      interleaved: true,
      deckLayers: 0,
      lang: 'zh-CN',
    });
    expect(s.sources).to.deep.equal([true, true, true]);
    expect(s.title).to.contain('网格');
    // The initial view is the district's extent: the first grid is on screen.
    const [x, y] = inside(grids[0]);
    const inView = await page.evaluate(([lon, lat]) => window.__wangge!.map.getBounds().contains([lon, lat]), [x, y]);
    expect(inView, 'a grid of the district is inside the initial view').to.equal(true);
    await page.screenshot({ path: path.join(RESULTS, 'map.png') });
  });

  it('renders features of every tile layer at a zoom where it shows', async () => {
    const p = inside(grids[0]);
    const cases: [string, number][] = [
      ['street-line', 11],
      ['community-fill', 13],
      ['grid-fill', 15],
    ];
    for (const [layer, zoom] of cases) {
      await jumpTo(p, zoom);
      const n = await rendered([layer]);
      expect(n[layer], `${layer} features rendered at z${zoom}`).to.be.greaterThan(0);
    }
  });

  it('labels grid codes at z ≥ 16 and region names in Chinese without a glyph server', async () => {
    await jumpTo(inside(grids[0]), 17);
    const labels = await page.evaluate(() =>
      window.__wangge!.map.queryRenderedFeatures({ layers: ['grid-label'] }).map((f) => f.properties.code as string),
    );
    expect(labels).to.include(grids[0].properties.code);
    expect(new Set(labels).size, 'one label per grid').to.equal(labels.length);
    await jumpTo(inside(grids[0]), 13.5);
    const names = await page.evaluate(() =>
      window
        .__wangge!.map.queryRenderedFeatures({ layers: ['community-label'] })
        .map((f) => f.properties.name as string),
    );
    expect(names.length).to.be.greaterThan(0);
    expect(names.every((n) => /[\u4e00-\u9fff]/.test(n))).to.equal(true);
    const glyphRequests = await page.evaluate(
      () => performance.getEntriesByType('resource').filter((e) => /\.pbf|glyphs|fonts\//.test(e.name)).length,
    );
    expect(glyphRequests, 'no glyph downloads').to.equal(0);
  });

  it('opens the info panel and highlights a grid clicked on the map', async () => {
    const g = grids[0];
    await jumpTo(inside(g), 17);
    const pt = await page.evaluate(([lon, lat]) => {
      const p = window.__wangge!.map.project([lon, lat]);
      const r = window.__wangge!.map.getCanvas().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    }, inside(g));
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector(`#info[data-code="${g.properties.code}"]:not([hidden])`, { timeout: 10_000 });
    expect(await page.textContent('#info [data-field="code"]')).to.equal(g.properties.code);
    expect(await page.textContent('#info [data-field="name"]')).to.equal(g.properties.name);
    expect(await page.textContent('#info [data-field="area"]')).to.match(/m²/);
    expect(await page.textContent('#info [data-field="community"]')).to.contain(g.properties.community_code);
    expect(await page.textContent('#info [data-field="street"]')).to.contain(g.properties.street_code);
    await idle();
    const highlighted = await page.evaluate(() =>
      window
        .__wangge!.map.queryRenderedFeatures({ layers: ['selection-line'] })
        .map((f) => f.properties.code as string),
    );
    expect(highlighted).to.include(g.properties.code);
    await page.screenshot({ path: path.join(RESULTS, 'map-zoomed.png') });
  });

  it('jumps to a grid by its code from the search box', async () => {
    const g = grids[1];
    await jumpTo(inside(grids[0]), 12);
    await page.fill('#search-input', g.properties.code);
    await page.press('#search-input', 'Enter');
    await page.waitForSelector(`#info[data-code="${g.properties.code}"]:not([hidden])`, { timeout: 10_000 });
    expect(await page.textContent('#info [data-field="name"]')).to.equal(g.properties.name);
    await page.waitForFunction(() => !window.__wangge!.map.isMoving(), null, { timeout: 10_000 });
    await idle();
    const view = await page.evaluate(() => {
      const map = window.__wangge!.map;
      return { zoom: map.getZoom(), center: map.getCenter().toArray() };
    });
    const b = bboxOf(g)!;
    expect(view.zoom).to.be.greaterThan(15);
    expect(view.center[0]).to.be.within(b[0] - 0.01, b[2] + 0.01);
    expect(view.center[1]).to.be.within(b[1] - 0.01, b[3] + 0.01);
    expect(await page.getAttribute('#search-message', 'class')).to.equal('info');
  });

  it('explains an unknown or malformed code in Chinese', async () => {
    browser!.ignore = /\/api\/grids\//;
    try {
      const unknown = grids[0].properties.code.slice(0, 12) + '999';
      await page.fill('#search-input', unknown);
      await page.press('#search-input', 'Enter');
      await page.waitForSelector('#search-message.error', { timeout: 10_000 });
      expect(await page.textContent('#search-message')).to.equal(`未找到编码为 ${unknown} 的单元网格`);

      await page.fill('#search-input', '12345');
      await page.press('#search-input', 'Enter');
      await page.waitForFunction(() => /15 位数字/.test(document.querySelector('#search-message')!.textContent ?? ''));
      expect(await page.textContent('#search-message')).to.contain('当前输入为 5 位');
    } finally {
      browser!.ignore = null;
    }
    // The panel still shows the last grid found.
    expect(await page.getAttribute('#info', 'data-code')).to.equal(grids[1].properties.code);
  });

  it('draws deck.gl layers interleaved with the map, under the grid labels', async () => {
    const p = inside(grids[0]);
    await jumpTo(p, 16);
    const r = await page.evaluate(async ([lon, lat]) => {
      const w = window.__wangge!;
      const { markers } = await w.diagnostics();
      w.overlay.setLayers('probe', [markers([[lon, lat]])]);
      await Promise.race([
        w.settle(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('map did not settle within 30 s')), 30_000)),
      ]);
      const xy = w.map.project([lon, lat]);
      const hit = w.overlay.control.pickObject({ x: xy.x, y: xy.y, radius: 4 });
      return {
        hit: (hit?.object as number[] | undefined) ?? null,
        order: w.map.getLayersOrder(),
        groups: w.overlay.groups(),
      };
    }, p);
    expect(r.hit, 'the marker drawn by deck.gl is picked back at its screen point').to.deep.equal(p);
    expect(r.groups).to.deep.equal(['probe']);
    const deckAt = r.order.findIndex((id) => id.startsWith('deck-'));
    expect(deckAt, 'a deck.gl layer group in the MapLibre layer stack').to.be.greaterThan(0);
    expect(r.order[deckAt + 1]).to.equal('grid-label');
    await page.screenshot({ path: path.join(RESULTS, 'map-deck.png') });
    await page.evaluate(() => window.__wangge!.overlay.clear('probe'));
    await idle();
    expect(
      await page.evaluate(() => window.__wangge!.map.getLayersOrder().some((id) => id.startsWith('deck-'))),
    ).to.equal(false);
  });

  it('hides and shows a layer group from the layer switcher', async () => {
    await jumpTo(inside(grids[0]), 15);
    await page.uncheck('#layers input[data-group="grids"]');
    await idle();
    expect(await rendered(['grid-fill', 'community-fill'])).to.deep.include({ 'grid-fill': 0 });
    expect((await rendered(['community-fill']))['community-fill']).to.be.greaterThan(0);
    await page.check('#layers input[data-group="grids"]');
    await idle();
    expect((await rendered(['grid-fill']))['grid-fill']).to.be.greaterThan(0);
  });
  it('with PUBLIC_READ=false asks for a token, then works once opened as /#token=…', async () => {
    const closed = await startTestServer(database!, { PUBLIC_READ: 'false' });
    const { token } = await createUser(database!.db, `browser-${Date.now()}`, 'viewer');
    const p2 = await context!.newPage();
    try {
      await p2.goto(closed.url + '/');
      await p2.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
      expect(await p2.evaluate(() => document.querySelector('#status')?.textContent ?? '')).to.contain('/#token=');
      await p2.goto(`${closed.url}/?again#token=${token}`);
      await p2.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
      const state = await p2.evaluate(() => [
        document.body.dataset.state,
        location.hash,
        localStorage.getItem('wangge.token'),
      ]);
      expect(state).to.deep.equal(['ready', '', token]);
      const n = await p2.evaluate(async ([lon, lat]) => {
        const w = window.__wangge!;
        w.map.jumpTo({ center: [lon, lat], zoom: 15 });
        await w.settle();
        return w.map.queryRenderedFeatures({ layers: ['grid-fill'] }).length;
      }, inside(grids[0]));
      expect(n, 'grid features drawn from tiles fetched with the token').to.be.greaterThan(0);
    } finally {
      await p2.close();
      await closed.close();
    }
  });
});
