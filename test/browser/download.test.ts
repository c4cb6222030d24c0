/**
 * The web map's 下载 control in chromium over the micro-city: the control opens its choices, picks the finest
 * visible layer, offers the view's Gauss–Krüger zone (CM 99°E, EPSG:4542, at lon 100°), and 下载文件 requests the
 * export URL with the view's bbox and the chosen format, CRS and encoding — and the server answers it with the file.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { openBrowser, skipReason, type BrowserSession } from '../helpers/browser.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { microCity } from '../fixtures/micro-city.js';

describe(`the download control on the web map in chromium (${DRIVER})`, function () {
  this.timeout(180_000);
  let database: Database | undefined;
  let server: TestServer | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;

  before(async function () {
    this.timeout(600_000);
    const reason = skipReason();
    if (reason) {
      console.log(`NOTICE: browser tests skipped: ${reason}`);
      this.skip();
    }
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor: { id: null, name: 'test' } });
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

  it('clicking 下载 then 下载文件 requests the current view as a GBK Shapefile in EPSG:4542', async () => {
    await page.evaluate(() => window.__wangge!.map.jumpTo({ center: [100.0015, 20.0015], zoom: 17 }));
    await page.getByRole('button', { name: '下载', exact: true }).click();
    const form = page.getByRole('form', { name: '下载图层数据' });
    expect(await form.locator('select[name=layer]').inputValue()).to.equal('grids');
    expect(await form.locator('select[name=crs] option').allTextContents()).to.deep.equal([
      'CGCS2000 经纬度（EPSG:4490）',
      '高斯-克吕格 3° 带 中央经线 99°E（EPSG:4542）',
    ]);
    await form.locator('select[name=format]').selectOption('shp.zip');
    await form.locator('select[name=crs]').selectOption('4542');
    await form.locator('select[name=encoding]').selectOption('gbk');
    const bounds = await page.evaluate(() => window.__wangge!.map.getBounds().toArray().flat());
    const [request, download] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/export/')),
      page.waitForEvent('download'),
      form.getByRole('button', { name: '下载文件' }).click(),
    ]);
    const url = new URL(request.url());
    expect(url.pathname).to.equal('/api/export/grids.shp.zip');
    expect(Object.fromEntries(url.searchParams)).to.deep.equal({
      bbox: bounds.map((x) => Math.round(x * 1e6) / 1e6).join(','),
      crs: 'EPSG:4542',
      encoding: 'gbk',
    });
    expect(download.suggestedFilename()).to.equal('wangge-grids.shp.zip');
    const response = await request.response();
    expect(response!.status()).to.equal(200);
    expect(response!.headers()['content-type']).to.equal('application/zip');
  });
});
