/**
 * The search box and "这里是哪里" in chromium, over the micro-city with its five census components
 * (test/fixtures/micro-components.ts) and its gazetteer (test/fixtures/micro-gazetteer.ts: 长青路 with doorplates
 * 1, 3, 11 north and 2, 12 south, the landmark 第一中学). Every expected answer is either known by hand or read from
 * the server's own API in the same run. Runs when chromium exists (see test/helpers/browser.ts).
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { RESULTS, openBrowser, skipReason, type BrowserSession } from '../helpers/browser.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { useMicroCityServer } from '../helpers/micro-server.js';

/** 东湖路供水井盖 (01001, 破损) at (100.0015, 20.0025) and the 16-digit 03001 component at (100.0045, 20.0015). */
const MANHOLE = { code: '99000101001000002', lon: 100.0015, lat: 20.0025 };
const OLD_CODE = { code: '9900010301000001', lon: 100.0045, lat: 20.0015 };

interface Candidate {
  address: string;
  level: string;
  lon: number;
  lat: number;
  score: number;
  grid_code: string | null;
  community_code: string | null;
  street_code: string | null;
}

describe(`search box and 这里是哪里 in chromium (${DRIVER}, micro-city)`, function () {
  this.timeout(180_000);
  // Registered before the server's hooks: without chromium nothing is set up.
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

  const api = async <T>(p: string): Promise<T> => {
    const res = await request<T>(env.server, 'GET', p);
    expect(res.status, `GET ${p}`).to.equal(200);
    return res.body;
  };
  const geocode = async (q: string) =>
    (await api<{ candidates: Candidate[] }>(`/api/geocode?q=${encodeURIComponent(q)}&limit=8`)).candidates;

  /** Waits for the end of a camera move, then for every tile of the view. */
  const still = async () => {
    await page.waitForFunction(() => !window.__wangge!.map.isMoving(), null, { timeout: 15_000 });
    await page.evaluate(() =>
      Promise.race([
        window.__wangge!.settle(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('map did not settle within 30 s')), 30_000)),
      ]),
    );
  };
  const view = () =>
    page.evaluate(() => {
      const map = window.__wangge!.map;
      return { zoom: map.getZoom(), center: map.getCenter().toArray() };
    });
  const screenPoint = (lon: number, lat: number) =>
    page.evaluate(
      ([x, y]) => {
        const p = window.__wangge!.map.project([x, y]);
        const r = window.__wangge!.map.getCanvas().getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      },
      [lon, lat],
    );
  const search = async (text: string) => {
    await page.fill('#search-input', text);
    await page.press('#search-input', 'Enter');
  };
  /** The candidate list as shown: [address, level, score]. */
  const shownCandidates = () =>
    page.$$eval('#search-results li[role=option]', (lis) =>
      lis.map((li) => [
        li.querySelector('.result-address')!.textContent,
        li.querySelector('.result-level')!.textContent,
        li.querySelector('.result-score')!.textContent,
      ]),
    );
  const LEVELS: Record<string, string> = {
    doorplate: '门牌',
    interpolated: '插值门牌',
    landmark: '地标',
    road: '道路',
  };
  const percent = (s: number) => `${Math.round(s * 100)}%`;

  before(async () => {
    browser = await openBrowser();
    page = browser.page;
    await page.goto(env.server.url + '/');
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset.state)).to.equal('ready');
  });

  afterEach(function () {
    if (this.currentTest?.state === 'pending') return;
    expect(browser!.takeErrors(), 'errors in the page console').to.deep.equal([]);
  });

  after(async () => {
    await browser?.close();
  });

  it('a 17-digit component code flies to the component and opens its panel', async () => {
    await page.evaluate(() => window.__wangge!.map.jumpTo({ center: [100.05, 20.05], zoom: 12 }));
    await search(MANHOLE.code);
    await page.waitForSelector(`#component-info[data-code="${MANHOLE.code}"]:not([hidden])`, { timeout: 10_000 });
    expect(await page.textContent('#component-info [data-field="code"]')).to.equal(MANHOLE.code);
    expect(await page.textContent('#component-info [data-field="name"]')).to.equal('东湖路供水井盖');
    expect(await page.textContent('#search-message')).to.equal(`已定位到部件 ${MANHOLE.code}`);
    await still();
    const v = await view();
    expect(v.zoom).to.be.at.least(18);
    expect(v.center[0]).to.be.closeTo(MANHOLE.lon, 1e-5);
    expect(v.center[1]).to.be.closeTo(MANHOLE.lat, 1e-5);
    const ringed = await page.evaluate(() =>
      window.__wangge!.map.queryRenderedFeatures({ layers: ['component-selected'] }).map((f) => f.properties.code),
    );
    expect(ringed).to.include(MANHOLE.code);
  });

  it('a 16-digit (old scheme) code does too; an unknown one is explained in Chinese', async () => {
    await search(OLD_CODE.code);
    await page.waitForSelector(`#component-info[data-code="${OLD_CODE.code}"]:not([hidden])`, { timeout: 10_000 });
    await still();
    const v = await view();
    expect(v.center[0]).to.be.closeTo(OLD_CODE.lon, 1e-5);
    expect(v.center[1]).to.be.closeTo(OLD_CODE.lat, 1e-5);

    browser!.ignore = /\/api\/components\//;
    try {
      await search('99000101001999999');
      await page.waitForSelector('#search-message.error', { timeout: 10_000 });
      expect(await page.textContent('#search-message')).to.equal('未找到编码为 99000101001999999 的部件');
    } finally {
      browser!.ignore = null;
    }
    expect(await page.getAttribute('#component-info', 'data-code'), 'the panel keeps the last one').to.equal(
      OLD_CODE.code,
    );
    await search('１２３４５'); // full-width digits count as digits
    expect(await page.textContent('#search-message')).to.equal(
      '网格编码应为 15 位数字（社区编码 12 位 + 序号 3 位），部件编码为 16 或 17 位数字；当前输入为 5 位',
    );
    await page.click('#component-close');
  });

  it('an address lists the candidates the geocoder gives; choosing one drops a marker with its popup', async () => {
    const expected = await geocode('长青路12号');
    expect(expected[0]).to.include({ address: '山前街道河东社区长青路12号', level: 'doorplate', score: 1 });
    await search('长青路12号');
    await page.waitForSelector('#search-results:not([hidden]) li[role=option]', { timeout: 10_000 });
    expect(await shownCandidates()).to.deep.equal(expected.map((c) => [c.address, LEVELS[c.level], percent(c.score)]));
    expect(await shownCandidates()).to.deep.include(['山前街道河东社区长青路12号', '门牌', '100%']);
    expect(await page.getAttribute('#search-input', 'aria-expanded')).to.equal('true');

    // Enter picks the first.
    await page.press('#search-input', 'Enter');
    await page.waitForSelector('#search-results', { state: 'hidden' });
    const popup = '.search-popup .place-popup';
    await page.waitForSelector(popup);
    expect(await page.textContent(`${popup} [data-field="address"]`)).to.equal('山前街道河东社区长青路12号');
    expect(await page.textContent(`${popup} .place-level`)).to.equal('门牌 · 匹配度 100%');
    // Grid, community and street: the candidate's codes, named from GET /api/grids/{code}.
    const grid = (
      await api<{ properties: { name: string; community_name: string; street_name: string } }>(
        `/api/grids/${expected[0].grid_code}`,
      )
    ).properties;
    await page.waitForFunction(
      (s) => !document.querySelector(`${s} [data-field="grid"]`)!.classList.contains('mono'),
      popup,
    );
    expect(await page.textContent(`${popup} [data-field="grid"]`)).to.equal(`${grid.name}（${expected[0].grid_code}）`);
    expect(await page.textContent(`${popup} [data-field="community"]`)).to.equal('河东社区（990001002002）');
    expect(await page.textContent(`${popup} [data-field="street"]`)).to.equal('山前街道（990001002）');
    expect(grid).to.include({ community_name: '河东社区', street_name: '山前街道' });
    expect(await page.textContent('#search-message')).to.equal('已定位到 山前街道河东社区长青路12号');
    await still();
    expect(await page.evaluate(() => window.__wangge!.search.marker())).to.deep.equal({
      lon: expected[0].lon,
      lat: expected[0].lat,
    });
    const v = await view();
    expect(v.center[0]).to.be.closeTo(expected[0].lon, 1e-5);
    expect(v.center[1]).to.be.closeTo(expected[0].lat, 1e-5);
    expect(v.zoom).to.be.closeTo(18, 0.01);
    await page.screenshot({ path: path.join(RESULTS, 'search-address.png') });
  });

  it('as you type: candidates appear; arrows move, Enter picks the highlighted one, Esc closes the list', async () => {
    const expected = await geocode('长青路5号');
    expect(expected.map((c) => c.level)).to.deep.equal(['interpolated', 'road']);
    await page.fill('#search-input', '');
    await page.type('#search-input', '长青路5号');
    await page.waitForFunction(
      () => document.querySelectorAll('#search-results:not([hidden]) li[role=option]').length === 2,
      null,
      { timeout: 10_000 },
    );
    expect(await shownCandidates()).to.deep.equal([
      [expected[0].address, '插值门牌', percent(expected[0].score)],
      [expected[1].address, '道路', percent(expected[1].score)],
    ]);
    await page.press('#search-input', 'ArrowDown');
    await page.press('#search-input', 'ArrowDown');
    const selected = () =>
      page.$$eval('#search-results li[role=option]', (lis) => lis.map((li) => li.getAttribute('aria-selected')));
    expect(await selected()).to.deep.equal(['false', 'true']);
    expect(await page.getAttribute('#search-input', 'aria-activedescendant')).to.equal('search-option-1');
    await page.press('#search-input', 'ArrowDown'); // wraps round
    expect(await selected()).to.deep.equal(['true', 'false']);
    await page.press('#search-input', 'ArrowUp');
    await page.press('#search-input', 'Escape');
    expect(await page.isHidden('#search-results')).to.equal(true);
    await page.press('#search-input', 'ArrowDown'); // reopens the same list
    expect(await page.isVisible('#search-results')).to.equal(true);
    await page.press('#search-input', 'Enter');
    await page.waitForFunction(
      (a) => document.querySelector('.search-popup [data-field="address"]')?.textContent === a,
      expected[0].address,
    );
    expect(await page.locator('.search-marker').count(), 'one marker at a time').to.equal(1);

    // A click on a candidate chooses it as well.
    await page.fill('#search-input', '一中');
    await page.waitForSelector('#search-results:not([hidden]) li[data-level="landmark"]', { timeout: 10_000 });
    await page.click('#search-results li[data-level="landmark"]');
    await page.waitForFunction(
      () => document.querySelector('.search-popup [data-field="address"]')?.textContent === '山前街道公园社区第一中学',
    );
    expect(await page.textContent('.search-popup .place-level')).to.match(/^地标 · 匹配度 \d+%$/);
  });

  it('says so when nothing matches', async () => {
    expect(await geocode('不存在的地方xyz')).to.deep.equal([]);
    await search('不存在的地方xyz');
    await page.waitForSelector('#search-message.error');
    expect(await page.textContent('#search-message')).to.equal('未找到与“不存在的地方xyz”匹配的地址、地名或区域');
    expect(await page.isHidden('#search-results')).to.equal(true);
  });

  it('这里是哪里: with the control pressed a click shows the address sentence, not the grid', async () => {
    // 15 m east of 长青路3号 (see test/addresses/reverse.test.ts).
    const spot = { lon: 100.0026434, lat: 20.00155 };
    const answer = await api<{ address: string }>(`/api/geocode/reverse?lon=${spot.lon}&lat=${spot.lat}`);
    expect(answer.address).to.equal('湖滨街道西湖社区长青路3号东侧约15米');
    await page.evaluate(
      ([lon, lat]) => window.__wangge!.map.jumpTo({ center: [lon, lat], zoom: 17 }),
      [spot.lon, spot.lat],
    );
    await still();
    await page.click('#here-toggle');
    expect(await page.getAttribute('#here-toggle', 'aria-pressed')).to.equal('true');
    expect(await page.textContent('#pick-hint')).to.contain('这里是哪里');
    const pt = await screenPoint(spot.lon, spot.lat);
    await page.mouse.click(pt.x, pt.y);
    const popup = '.here .here-popup:not(.loading)';
    await page.waitForSelector(popup, { timeout: 10_000 });
    expect(await page.textContent(`${popup} [data-field="address"]`)).to.equal('湖滨街道西湖社区长青路3号东侧约15米');
    expect(await page.textContent(`${popup} [data-field="grid"]`)).to.contain('990001001002002');
    expect(await page.textContent(`${popup} [data-field="community"]`)).to.equal('西湖社区（990001001002）');
    expect(await page.textContent(`${popup} [data-field="street"]`)).to.equal('湖滨街道（990001001）');
    expect(await page.textContent(`${popup} [data-field="doorplate"]`)).to.match(/^长青路3号（约 1[45] 米）$/);
    expect(await page.isHidden('#info'), 'the click did not select the grid').to.equal(true);
    await page.screenshot({ path: path.join(RESULTS, 'search-here.png') });

    // Esc ends the mode; a click selects grids again.
    await page.keyboard.press('Escape');
    expect(await page.getAttribute('#here-toggle', 'aria-pressed')).to.equal('false');
    expect(await page.isHidden('#pick-hint')).to.equal(true);
    await page.mouse.click(pt.x, pt.y + 60); // below the point: the popup stands above it
    await page.waitForSelector('#info:not([hidden])', { timeout: 10_000 });
  });

  it('这里是哪里 by right-click, without the control', async () => {
    const door = { lon: 100.0065, lat: 20.00145 }; // 长青路12号 itself
    await page.evaluate(
      ([lon, lat]) => window.__wangge!.map.jumpTo({ center: [lon, lat], zoom: 17 }),
      [door.lon, door.lat],
    );
    await still();
    const pt = await screenPoint(door.lon, door.lat);
    await page.mouse.click(pt.x, pt.y, { button: 'right' });
    await page.waitForFunction(
      () =>
        document.querySelector('.here .here-popup:not(.loading) [data-field="address"]')?.textContent ===
        '山前街道河东社区长青路12号',
      null,
      { timeout: 10_000 },
    );
    expect(await page.getAttribute('#here-toggle', 'aria-pressed')).to.equal('false');
  });

  it('这里是哪里 by a long press on a touch screen', async () => {
    const door = { lon: 100.0065, lat: 20.00145 }; // 长青路12号
    await page.evaluate(
      ([lon, lat]) => window.__wangge!.map.jumpTo({ center: [lon, lat], zoom: 17 }),
      [door.lon, door.lat],
    );
    await still();
    await page.evaluate(() => document.querySelector('.here .here-popup')?.closest('.maplibregl-popup')?.remove());
    const pt = await screenPoint(door.lon, door.lat);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 1 });
    // A short tap asks nothing; a finger held still for 0.8 s shows the address.
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: pt.x, y: pt.y }] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForTimeout(900);
    expect(await page.$('.here .here-popup'), 'a tap is not a long press').to.equal(null);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: pt.x, y: pt.y }] });
    await page.waitForTimeout(800);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForFunction(
      () =>
        document.querySelector('.here .here-popup:not(.loading) [data-field="address"]')?.textContent ===
        '山前街道河东社区长青路12号',
      null,
      { timeout: 10_000 },
    );
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: false });
    await cdp.detach();
  });
});
