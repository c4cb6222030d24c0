/**
 * The dispatcher desk's location and component parts in chromium, over the micro-city with its census components
 * and gazetteer: a report of a component class shows its nearby components (附近部件) and 关联 links one; hotline
 * reports whose address does not resolve to one place wait under 待定位 and are placed from a geocoding candidate
 * (定位到此) or by a click on the map (在地图上定位); the location source is named in the detail. Runs when chromium
 * exists (see test/helpers/browser.ts).
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { createUser } from '../../server/auth/tokens.js';
import { RESULTS, openBrowser, skipReason, type BrowserSession } from '../helpers/browser.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { useMicroCityServer } from '../helpers/micro-server.js';

/** 10.5 m west of the damaged 供水井盖 99000101001000002 (100.0015, 20.0025); the other 01001 one is 94 m away. */
const NEAR_MANHOLE = { lon: 100.0014, lat: 20.0025 };
const MANHOLE = '99000101001000002';

interface CaseJson {
  id: number;
  needs_location: boolean;
  location: { lon: number | null; lat: number | null };
  geocode: {
    accepted: boolean;
    candidates: { address: string; level: string; score: number; lon: number; lat: number }[];
  } | null;
  assignment: { grid: { code: string } | null };
  case_no: string;
  state: string;
  version: number;
  component_code: string | null;
  component_suggestions: { code: string; name: string; status: string; distance_m: number }[];
  location_source?: string;
  events: { action: string; note: string | null }[];
}

describe(`dispatcher desk: 附近部件, 关联 and the location in chromium (${DRIVER}, micro-city)`, function () {
  this.timeout(180_000);
  before(function () {
    const reason = skipReason();
    if (reason) {
      console.log(`NOTICE: browser tests skipped: ${reason}`);
      this.skip();
    }
  });
  const env = useMicroCityServer({ components: true, gazetteer: true });
  let browser: BrowserSession | undefined;
  let page: Page;
  let token = '';

  const api = async <T>(method: string, p: string, body?: unknown, status = 200): Promise<T> => {
    const res = await request<T>(env.server, method, p, { token, body: body || undefined });
    expect(res.status, `${method} ${p}: ${res.text}`).to.equal(status);
    return res.body;
  };

  before(async () => {
    ({ token } = await createUser(env.database.db, '调度员小张', 'dispatcher'));
    browser = await openBrowser();
    page = browser.page;
    await page.goto(`${env.server.url}/#token=${token}`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset.state)).to.equal('ready');
    await page.waitForSelector('#dispatch[data-loaded]', { timeout: 10_000 });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'pending') return;
    expect(browser!.takeErrors(), 'errors in the page console').to.deep.equal([]);
  });

  after(async () => {
    await browser?.close();
  });

  it('reads who may link and place from the server', async () => {
    const d = await page.evaluate(() => {
      const { canAct, canLink, canPlace } = window.__wangge!.dispatch!;
      return { canAct, canLink, canPlace };
    });
    expect(d).to.deep.equal({ canAct: true, canLink: true, canPlace: true });
  });

  it('shows the nearby components of a component report and links one with 关联', async () => {
    const reported = await api<CaseJson>(
      'POST',
      '/api/cases',
      { channel: 'collector', category: 'component:01001', description: '井盖破损', location: NEAR_MANHOLE },
      201,
    );
    expect(reported.component_suggestions.map((s) => s.code)).to.deep.equal([MANHOLE]);
    const distance = reported.component_suggestions[0].distance_m;
    await page.evaluate(() => window.__wangge!.dispatch!.refresh());
    await page.click(`#dispatch .case-row[data-id="${reported.id}"]`);
    const detail = `#dispatch .case-detail[data-id="${reported.id}"]`;
    await page.waitForSelector(detail);
    if (reported.location_source)
      expect(await page.textContent(`${detail} [data-field="location_source"]`)).to.equal('上报位置');
    const item = `${detail} .component-suggestions li[data-code="${MANHOLE}"]`;
    expect(await page.textContent(`${item} .suggestion-meta`)).to.equal(
      `东湖路供水井盖 · 破损 · 约 ${distance < 10 ? distance.toFixed(1) : Math.round(distance)} 米`,
    );
    expect(await page.locator(`${detail} [data-field="component_code"]`).count()).to.equal(0);

    // The code opens the component panel.
    await page.click(`${item} button.link-like`);
    await page.waitForSelector(`#component-info[data-code="${MANHOLE}"]:not([hidden])`);

    await page.click(`${item} button[data-link="${MANHOLE}"]`);
    await page.waitForSelector(`${detail} [data-field="component_code"]`);
    expect(await page.textContent(`${detail} [data-field="component_code"]`)).to.equal(MANHOLE);
    expect(await page.textContent(`${item} .tag-linked`)).to.equal('已关联');
    expect(await page.locator(`${item} button[data-link]`).count()).to.equal(0);
    const stored = await api<CaseJson>('GET', `/api/cases/${reported.id}`);
    expect(stored.component_code).to.equal(MANHOLE);
    expect(stored.version, 'linked on the version shown (If-Match)').to.equal(reported.version + 1);
    expect(stored.events.map((e) => e.action)).to.deep.equal(['report', 'link_component']);
    expect(
      await page.$$eval(`${detail} .events li`, (lis) => lis.map((li) => li.getAttribute('data-action'))),
    ).to.deep.equal(['report', 'link_component']);
  });

  it('shows the server refusal when the view is stale (412), changing nothing', async () => {
    const reported = await api<CaseJson>(
      'POST',
      '/api/cases',
      { channel: 'collector', category: 'component:01001', description: '井盖丢失', location: NEAR_MANHOLE },
      201,
    );
    await page.evaluate(() => window.__wangge!.dispatch!.refresh());
    await page.click(`#dispatch .case-row[data-id="${reported.id}"]`);
    const detail = `#dispatch .case-detail[data-id="${reported.id}"]`;
    await page.waitForSelector(detail);
    // Someone else accepts the case meanwhile.
    await api('POST', `/api/cases/${reported.id}/actions`, { action: 'accept' });
    browser!.ignore = /\/api\/cases\/\d+\/component/;
    try {
      await page.click(`${detail} button[data-link="${MANHOLE}"]`);
      await page.waitForFunction(
        (s) => /^关联失败/.test(document.querySelector(`${s} .components .section-error`)?.textContent ?? ''),
        detail,
      );
    } finally {
      browser!.ignore = null;
    }
    expect(await page.textContent(`${detail} .components .section-error`)).to.match(
      /^关联失败：数据已被他人修改，请刷新后重试：/,
    );
    expect((await api<CaseJson>('GET', `/api/cases/${reported.id}`)).component_code).to.equal(null);
    expect(await page.isEnabled(`${detail} button[data-link="${MANHOLE}"]`), 'can be tried again').to.equal(true);
  });

  it('lists hotline reports that need a location under 待定位 and places one at a geocoding candidate', async () => {
    const hotline = (address: string) =>
      api<CaseJson>(
        'POST',
        '/api/cases',
        { channel: 'hotline_12345', category: 'matter:06010', description: '市民来电：垃圾堆积', address },
        201,
      );
    // A road only is too coarse to place; nothing matches the second.
    const road = await hotline('长青路');
    const nowhere = await hotline('火星基地七号楼');
    expect(road).to.deep.include({ needs_location: true });
    expect(road.geocode!.candidates.map((c) => c.level)).to.deep.equal(['road']);
    expect(nowhere.geocode!.candidates).to.deep.equal([]);
    await page.evaluate(() => window.__wangge!.dispatch!.refresh());
    expect(await page.textContent('#dispatch [data-tab="locate"] .count')).to.equal('2');
    await page.click('#dispatch [data-tab="locate"]');
    expect(
      await page.$$eval('#dispatch .case-row', (rows) => rows.map((r) => Number(r.getAttribute('data-id')))),
    ).to.deep.equal([nowhere.id, road.id]);
    expect(await page.textContent(`#dispatch .case-row[data-id="${road.id}"] .tag-locate`)).to.equal('待定位');

    await page.click(`#dispatch .case-row[data-id="${road.id}"]`);
    const detail = `#dispatch .case-detail[data-id="${road.id}"]`;
    await page.waitForSelector(detail);
    expect(await page.textContent(`${detail} [data-field="location_source"]`)).to.equal(
      '待定位（地址未能解析到唯一位置）',
    );
    expect(await page.textContent(`${detail} [data-field="lonlat"]`)).to.equal('待定位');
    expect(await page.textContent(`${detail} header .tag-locate`)).to.equal('待定位');
    const cand = road.geocode!.candidates[0];
    const shown = await page.$$eval(`${detail} .geocode-candidates li`, (lis) =>
      lis.map((li) => [
        li.querySelector('.candidate-address')!.textContent,
        li.querySelector('.candidate-meta')!.textContent,
      ]),
    );
    expect(shown).to.deep.equal([[cand.address, `道路 · ${Math.round(cand.score * 100)}%`]]);
    // 立案 waits for the position: the server does not offer it yet.
    expect(await page.locator(`${detail} .action-buttons button[data-action="file"]`).count()).to.equal(0);

    await page.click(`${detail} button[data-place="0"]`);
    await page.waitForSelector(`${detail} .location[data-source="placed"]`);
    const stored = await api<CaseJson>('GET', `/api/cases/${road.id}`);
    expect(stored).to.deep.include({ needs_location: false, location_source: 'placed' });
    expect(stored.location).to.deep.include({ lon: cand.lon, lat: cand.lat });
    expect(stored.events.map((e) => e.action)).to.deep.equal(['report', 'locate']);
    expect(await page.textContent(`${detail} [data-field="location_source"]`)).to.equal('人工定位');
    expect(await page.textContent(`${detail} [data-field="lonlat"]`)).to.equal(
      `${cand.lon.toFixed(6)}, ${cand.lat.toFixed(6)}`,
    );
    expect(await page.textContent(`${detail} [data-field="grid"]`)).to.contain(stored.assignment.grid!.code);
    expect(await page.locator(`${detail} header .tag-locate`).count()).to.equal(0);
    expect(await page.$$eval(`${detail} .events li b`, (bs) => bs.map((b) => b.textContent))).to.deep.equal([
      '上报',
      '定位',
    ]);
    await page.waitForSelector(`#dispatch .case-row[data-id="${road.id}"]`, { state: 'detached' });
    expect(await page.textContent('#dispatch [data-tab="locate"] .count')).to.equal('1');
  });

  it('在地图上定位: the next click on the map places the case there', async () => {
    const nowhere = (await api<{ items: CaseJson[] }>('GET', '/api/cases?needs_location=true')).items[0];
    expect(nowhere.geocode!.candidates).to.deep.equal([]);
    // 长青路3号 (100.0025, 20.00155) lies in grid 990001001002002 of 西湖社区.
    const spot = { lon: 100.0025, lat: 20.00155 };
    await page.evaluate(
      ([lon, lat]) => window.__wangge!.map.jumpTo({ center: [lon, lat], zoom: 17 }),
      [spot.lon, spot.lat],
    );
    await page.click(`#dispatch .case-row[data-id="${nowhere.id}"]`);
    const detail = `#dispatch .case-detail[data-id="${nowhere.id}"]`;
    await page.waitForSelector(detail);
    expect(await page.textContent(`${detail} [data-field="needs_location"]`)).to.equal(
      '地址未能解析到位置：请在地图上定位。',
    );
    // A case without a position leaves the map where it was.
    expect(await page.evaluate(() => window.__wangge!.map.getZoom())).to.equal(17);
    await page.click(`${detail} button[data-locate="map"]`);
    expect(await page.textContent(`${detail} button[data-locate="map"]`)).to.equal('取消地图定位');
    expect(await page.textContent('#pick-hint')).to.contain(nowhere.case_no);
    const pt = await page.evaluate(
      ([lon, lat]) => {
        const p = window.__wangge!.map.project([lon, lat]);
        const r = window.__wangge!.map.getCanvas().getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      },
      [spot.lon, spot.lat],
    );
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector(`${detail} .location[data-source="placed"]`, { timeout: 10_000 });
    expect(await page.isHidden('#pick-hint')).to.equal(true);
    const stored = await api<CaseJson>('GET', `/api/cases/${nowhere.id}`);
    expect(stored).to.deep.include({ needs_location: false, location_source: 'placed' });
    // Within a pixel or two (about 1.2 m each at z17) of the point clicked.
    expect(stored.location.lon).to.be.closeTo(spot.lon, 2e-5);
    expect(stored.location.lat).to.be.closeTo(spot.lat, 2e-5);
    expect(stored.assignment.grid!.code).to.equal('990001001002002');
    expect(await page.textContent(`${detail} [data-field="grid"]`)).to.contain('990001001002002');
    await page.waitForSelector(`#info[data-code="990001001002002"]:not([hidden])`);
    expect(await page.textContent('#dispatch [data-tab="locate"] .count')).to.equal('0');
    await page.screenshot({ path: path.join(RESULTS, 'desk-placed.png') });
  });

  it('Esc ends 在地图上定位 without placing anything', async () => {
    const c = await api<CaseJson>(
      'POST',
      '/api/cases',
      { channel: 'hotline_12345', category: 'matter:06010', description: '市民来电', address: '火星基地八号楼' },
      201,
    );
    await page.evaluate(() => window.__wangge!.dispatch!.refresh());
    await page.click(`#dispatch .case-row[data-id="${c.id}"]`);
    const detail = `#dispatch .case-detail[data-id="${c.id}"]`;
    await page.click(`${detail} button[data-locate="map"]`);
    await page.waitForSelector('#pick-hint:not([hidden])');
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#pick-hint')).to.equal(true);
    expect(await page.textContent(`${detail} button[data-locate="map"]`)).to.equal('在地图上定位');
    expect(await page.isVisible(detail), 'Esc left the case open').to.equal(true);
    const box = await page.evaluate(() => window.__wangge!.map.getCanvas().getBoundingClientRect().toJSON());
    await page.mouse.click(box.left + box.width / 2, box.top + box.height / 2);
    expect((await api<CaseJson>('GET', `/api/cases/${c.id}`)).needs_location).to.equal(true);
  });

  it('hides 关联 from a role the policy does not list (x-roles of the OpenAPI document)', async () => {
    const [withSuggestions] = (await api<{ items: CaseJson[] }>('GET', '/api/cases?limit=100')).items.filter(
      (c) => c.component_code === null && c.component_suggestions.length > 0,
    );
    const p2 = await browser!.context.newPage();
    try {
      // The server's answer, with the dispatcher taken out of the link route's roles.
      await p2.route('**/api/openapi.json', async (route) => {
        const response = await route.fetch();
        const json = (await response.json()) as { paths: Record<string, Record<string, { 'x-roles'?: string[] }>> };
        const op = json.paths['/api/cases/{id}/component'].post;
        op['x-roles'] = op['x-roles']!.filter((r) => r !== 'dispatcher');
        await route.fulfill({ response, json });
      });
      await p2.goto(`${env.server.url}/?roles`);
      await p2.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
      await p2.waitForSelector('#dispatch[data-loaded]');
      expect(
        await p2.evaluate(() => [window.__wangge!.dispatch!.canAct, window.__wangge!.dispatch!.canLink]),
      ).to.deep.equal([true, false]);
      await p2.click(`#dispatch .case-row[data-id="${withSuggestions.id}"]`);
      const detail = `#dispatch .case-detail[data-id="${withSuggestions.id}"]`;
      await p2.waitForSelector(`${detail} .component-suggestions li[data-code="${MANHOLE}"]`);
      expect(await p2.locator(`${detail} button[data-link]`).count()).to.equal(0);
      // The workflow's buttons stay: only linking is not this role's.
      expect(await p2.locator(`${detail} .action-buttons button[data-action="file"]`).count()).to.equal(1);
    } finally {
      await p2.close();
    }
  });
});
