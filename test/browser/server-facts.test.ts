/**
 * The web map reads server facts from the server instead of retyping them: layer min zooms from each layer's
 * TileJSON (`/tiles/{layer}.json`) and workflow labels and needs from `GET /api/workflow`. The browser's requests for
 * those two are answered with the real server's answer, changed (grids start at z14; 受理 gets another label and
 * needs a note; 已受理 another name): the page must follow the changed answers, which a retyped table would not.
 *
 * Same chromium as map.test.ts (WANGGE_BROWSER_TESTS: unset → run when chromium exists; `skip`; `require`).
 */
import { expect } from 'chai';
import type { Page, Route } from 'playwright-core';
import { openBrowser, skipReason, type BrowserSession } from '../helpers/browser.js';
import type { Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createUser } from '../../server/auth/tokens.js';
import { microCity } from '../fixtures/micro-city.js';

/** A point of grid 990001001001001 (东湖社区) of the micro-city. */
const SPOT = { lon: 100.0005, lat: 20.0025 };
const GRIDS_MINZOOM = 14;
const ACCEPT_LABEL = '受理（服务器）';
const ACCEPTED_LABEL = '已受理（服务器）';

type TileJson = { minzoom: number; vector_layers: { minzoom: number }[] };
type Workflow = {
  states: { state: string; label: string }[];
  actions: { action: string; label: string; note: boolean }[];
};

/** Answers a request with the real server's JSON, changed by `change`. */
const rewrite =
  <T>(change: (json: T) => void) =>
  async (route: Route) => {
    const response = await route.fetch();
    const json = (await response.json()) as T;
    change(json);
    await route.fulfill({ response, json });
  };

describe(`web map reads min zooms and workflow labels from the server (${DRIVER}, chromium)`, function () {
  this.timeout(180_000);
  let database: Database | undefined;
  let server: TestServer | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;
  let token = '';
  let caseId = 0;

  const api = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await request<T>(server!, method, p, { token, body: body || undefined });
    expect(res.status >= 200 && res.status < 300, `${method} ${p}: ${res.status}`).to.equal(true);
    return res.body;
  };

  const jumpTo = (zoom: number) =>
    page.evaluate(
      async ([lon, lat, z]) => {
        const w = window.__wangge!;
        w.map.jumpTo({ center: [lon, lat], zoom: z });
        await w.settle();
        return w.map.queryRenderedFeatures({ layers: ['grid-fill'] }).length;
      },
      [SPOT.lon, SPOT.lat, zoom],
    );

  before(async function () {
    this.timeout(600_000);
    const reason = skipReason();
    if (reason) {
      console.log(`NOTICE: browser tests skipped: ${reason}`);
      this.skip();
    }
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor: { id: null, name: 'test' } });
    ({ token } = await createUser(database.db, '调度员小张', 'dispatcher'));
    server = await startTestServer(database);
    ({ id: caseId } = await api<{ id: number }>('POST', '/api/cases', {
      channel: 'hotline_12345',
      category: 'matter:06010',
      description: '路边有一堆暴露垃圾',
      location: SPOT,
    }));

    browser = await openBrowser();
    page = browser.page;
    await browser.context.route(
      (url) => url.pathname === '/tiles/grids.json',
      rewrite<TileJson>((j) => {
        j.minzoom = GRIDS_MINZOOM;
        for (const l of j.vector_layers) l.minzoom = GRIDS_MINZOOM;
      }),
    );
    await browser.context.route(
      (url) => url.pathname === '/api/workflow',
      rewrite<Workflow>((w) => {
        const accept = w.actions.find((a) => a.action === 'accept')!;
        Object.assign(accept, { label: ACCEPT_LABEL, note: true });
        w.states.find((s) => s.state === 'accepted')!.label = ACCEPTED_LABEL;
      }),
    );
    await page.goto(`${server.url}/#token=${token}`);
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

  it('starts each tile layer at the minzoom of its TileJSON and names it in the layer switcher', async () => {
    expect(await page.evaluate(() => document.body.dataset.state)).to.equal('ready');
    const served = Object.fromEntries(
      await Promise.all(
        ['streets', 'communities', 'cases'].map(
          async (l) => [l, (await api<TileJson>('GET', `/tiles/${l}.json`)).minzoom] as const,
        ),
      ),
    );
    const expected = { ...served, grids: GRIDS_MINZOOM };
    // Style layer of each tile layer; the grid mesh must follow the grid tiles too.
    const ids = {
      streets: 'street-line',
      communities: 'community-fill',
      grids: 'grid-fill',
      cases: 'case-point',
      mesh: 'grid-line',
    };
    const shown = await page.evaluate((layers) => {
      const map = window.__wangge!.map;
      return {
        layers: Object.fromEntries(Object.entries(layers).map(([k, id]) => [k, map.getLayer(id)!.minzoom])),
        switcher: Object.fromEntries(
          Object.keys(layers).map((k) => [k, document.querySelector(`#layers [data-minzoom="${k}"]`)?.textContent]),
        ),
      };
    }, ids);
    const { mesh, ...layers } = shown.layers;
    shown.layers = layers;
    delete shown.switcher.mesh;
    expect(shown.layers).to.deep.equal(expected);
    expect(mesh).to.equal(GRIDS_MINZOOM);
    expect(shown.switcher).to.deep.equal(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, String(v)])));
    // The real server has grid tiles from z13; the map follows its (changed) TileJSON and draws none below z14.
    expect((await api<TileJson>('GET', '/tiles/grids.json')).minzoom).to.be.below(GRIDS_MINZOOM);
    expect(await jumpTo(GRIDS_MINZOOM - 0.5), `grid features at z${GRIDS_MINZOOM - 0.5}`).to.equal(0);
    expect(await jumpTo(GRIDS_MINZOOM + 0.5), `grid features at z${GRIDS_MINZOOM + 0.5}`).to.be.greaterThan(0);
  });

  it('labels actions and states as /api/workflow says and asks for a note where it says one is needed', async () => {
    await page.waitForSelector('#dispatch[data-loaded]', { timeout: 10_000 });
    await page.click(`#dispatch .case-row[data-id="${caseId}"]`);
    const detail = `#dispatch .case-detail[data-id="${caseId}"]`;
    const accept = `${detail} button[data-action="accept"]`;
    await page.waitForSelector(accept);
    expect(await page.textContent(accept)).to.equal(ACCEPT_LABEL);
    // The changed workflow needs a note for 受理: the button opens the form instead of acting at once.
    await page.click(accept);
    await page.waitForSelector(`${detail} .action-form textarea[required]`);
    expect(await page.textContent(`${detail} .action-form .form-title`)).to.equal(ACCEPT_LABEL);
    await page.fill(`${detail} .action-form textarea`, '电话核实属实');
    await page.click(`${detail} .action-form button[type="submit"]`);
    await page.waitForSelector(`${detail}[data-state="accepted"]`);
    const last = await page.$eval(`${detail} .events li[data-action="accept"]`, (li) => li.textContent ?? '');
    expect(last).to.contain(ACCEPT_LABEL).and.contain(`上报 → ${ACCEPTED_LABEL}`).and.contain('电话核实属实');
    const stored = await api<{ state: string; events: { action: string; note: string | null }[] }>(
      'GET',
      `/api/cases/${caseId}`,
    );
    expect(stored.state).to.equal('accepted');
    expect(stored.events.at(-1)).to.deep.include({ action: 'accept', note: '电话核实属实' });
  });
});
