/**
 * The dispatcher desk's location and component parts in chromium, over the micro-city with its census components
 * and gazetteer: a report of a component class shows its nearby components (附近部件) and 关联 links one; the
 * location source is named in the detail. Runs when chromium exists (see test/helpers/browser.ts).
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { createUser } from '../../server/auth/tokens.js';
import { openBrowser, skipReason, type BrowserSession } from '../helpers/browser.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { useMicroCityServer } from '../helpers/micro-server.js';

/** 10.5 m west of the damaged 供水井盖 99000101001000002 (100.0015, 20.0025); the other 01001 one is 94 m away. */
const NEAR_MANHOLE = { lon: 100.0014, lat: 20.0025 };
const MANHOLE = '99000101001000002';

interface CaseJson {
  id: number;
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
    expect(
      await page.evaluate(() => [window.__wangge!.dispatch!.canLink, window.__wangge!.dispatch!.canAct]),
    ).to.deep.equal([true, true]);
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
        (s) => /^关联失败/.test(document.querySelector(`${s} .components .action-error`)?.textContent ?? ''),
        detail,
      );
    } finally {
      browser!.ignore = null;
    }
    expect(await page.textContent(`${detail} .components .action-error`)).to.match(
      /^关联失败：数据已被他人修改，请刷新后重试：/,
    );
    expect((await api<CaseJson>('GET', `/api/cases/${reported.id}`)).component_code).to.equal(null);
    expect(await page.isEnabled(`${detail} button[data-link="${MANHOLE}"]`), 'can be tried again').to.equal(true);
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
      expect(await p2.locator(`${detail} .action-buttons button[data-action="accept"]`).count()).to.equal(1);
    } finally {
      await p2.close();
    }
  });
});
