/**
 * The 分析 panel (热点分析) in chromium over the micro-city, signed in as a planner (gis_editor), on the case log of
 * test/analysis/emerging-http.test.ts, whose every figure was computed by hand there and in hotspots.test.ts:
 *
 * - April … December 2025: one matter:06010 case a month in grid 12 (cell (6,1));
 * - January 2026: x = 3 2 2 4 1 1 0 0 0 0 0 0 0 over the grids in code order (cells (0,2) (1,2) (0,1) (1,1) (0,0)
 *   (1,0)).
 *
 * January's Gi* bins (queen, no FDR) are 3 2 3 1 1 0 0 0 0 −3 0 0 0 (hotspots.test.ts): two grids at 99 %, one at
 * 95 %, two at 90 %, seven not significant, the ring (unit 9) cold at 99 %. With FDR: 2 0 2 0 0 0 0 0 0 −2 0 0 0.
 * z by hand: unit 0 7√(13/66) = 3.106, 2 7√(13/77) = 2.876, 1 5√(13/77) = 2.054, 3 and 4 4√(13/66) = 1.775 (3 before
 * 4: more cases) — the top list's order. April 2025 alone: units 11 and 12 in bin 1 (z 10/√30, p .068), the rest 0.
 * Emerging categories April 2025 – January 2026 without FDR: units 0–4 新增的热点, the ring 新增的冷点, 11 and 12
 * 历史的热点, the other five 未检测到模式 (emerging-http.test.ts).
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { createUser } from '../../server/auth/tokens.js';
import { RESULTS, useBrowserSuite } from '../helpers/browser.js';
import { DRIVER } from '../helpers/db.js';
import { setUpWorld, tearDownWorld, type World } from '../cases/fixture.js';
import { CODES, reportEmergingLog } from '../analysis/fixture.js';

const JAN_BINS = [3, 2, 3, 1, 1, 0, 0, 0, 0, -3, 0, 0, 0];

describe(`分析 panel (hot spots) in chromium (${DRIVER}, micro-city)`, function () {
  this.timeout(240_000);
  const ui = useBrowserSuite('analysis');
  let w: World;
  let page: Page;
  let planner = '';

  const idle = () => page.evaluate(() => window.__wangge!.analysis!.idle());
  const settle = () => page.evaluate(() => window.__wangge!.settle());
  const setForm = async (from: string, to: string, major = '', fdr = false) => {
    await page.fill('#analysis input[name="from"]', from);
    await page.fill('#analysis input[name="to"]', to);
    await page.selectOption('#analysis select[name="major"]', major);
    await page.setChecked('#analysis input[name="fdr"]', fdr);
  };
  const run = async () => {
    await page.click('#analysis button[type="submit"]');
    await idle();
  };
  /** Units per value in the legend, as the panel shows them (value → count; zero rows included for bins). */
  const legend = () =>
    page.$$eval('#analysis .analysis-legend li[data-value]', (lis) =>
      Object.fromEntries(
        lis.map((li) => [
          (li as HTMLElement).dataset.value!,
          [
            li.querySelector('.analysis-legend-label')!.textContent,
            Number(li.querySelector('[data-field="units"]')!.textContent),
          ],
        ]),
      ),
    );
  const values = (level: 'grid' | 'community', codes: string[]) =>
    page.evaluate(([l, cs]) => (cs as string[]).map((c) => window.__wangge!.analysis!.valueOf(l as 'grid', c)), [
      level,
      codes,
    ] as const);
  /** The colour drawn at a position with the labels, case points and selection hidden (they draw above). */
  const pixel = (lon: number, lat: number) =>
    page.evaluate(
      async ([x, y]) => {
        const m = window.__wangge!.map;
        const p = m.project([x, y]);
        const hide = m.getLayersOrder().filter((id) => ['symbol', 'circle'].includes(m.getLayer(id)!.type));
        for (const id of hide) m.setLayoutProperty(id, 'visibility', 'none');
        try {
          return await (await window.__wangge!.diagnostics()).pixelAt(m, p.x, p.y);
        } finally {
          for (const id of hide) m.setLayoutProperty(id, 'visibility', 'visible');
        }
      },
      [lon, lat],
    );

  before(async () => {
    w = await setUpWorld();
    planner = (await createUser(w.database.db, '规划员', 'gis_editor')).token;
    await reportEmergingLog(w);
    await ui.open(`${w.server.url}/#token=${planner}`);
    page = ui.page;
  });

  after(async () => {
    await tearDownWorld(w);
  });

  it('shows 分析 to a planner (x-roles) and opens the panel with the last twelve months', async () => {
    expect(await page.locator('.analysis-toggle').count()).to.equal(1);
    await page.click('.analysis-toggle');
    await page.waitForSelector('#analysis:not([hidden])');
    await idle();
    expect(await page.evaluate(() => document.body.classList.contains('analysing'))).to.equal(true);
    const v = await page.evaluate(() => window.__wangge!.analysis!.view()!);
    expect(v.query).to.include({ level: 'grid', weights: 'contiguity', fdr: false });
    expect(v.message, JSON.stringify(v.message)).to.equal(null);
    expect(await page.textContent('#analysis [data-field="summary"]')).to.match(/^13 个网格 · /);
  });

  it('colours January 2026 (市容环境) by Gi* bin, with the legend counting the grids per bin', async () => {
    await setForm('2026-01', '2026-01', 'matter:06');
    await run();
    expect(await page.evaluate(() => window.__wangge!.analysis!.view()!.query)).to.deep.equal({
      from: '2026-01-01',
      to: '2026-02-01',
      level: 'grid',
      weights: 'contiguity',
      fdr: false,
      category: 'matter:06',
    });
    expect(await values('grid', CODES)).to.deep.equal(JAN_BINS);
    expect(await legend()).to.deep.equal({
      '3': ['热点 · 99% 置信度', 2],
      '2': ['热点 · 95% 置信度', 1],
      '1': ['热点 · 90% 置信度', 2],
      '0': ['不显著', 7],
      '-1': ['冷点 · 90% 置信度', 0],
      '-2': ['冷点 · 95% 置信度', 0],
      '-3': ['冷点 · 99% 置信度', 1],
    });
    expect(await page.textContent('#analysis [data-field="summary"]')).to.equal('13 个网格 · 13 件案件');
    // The top list: hot grids by z (3 and 4 tie on z; 3 has more cases).
    const top = await page.$$eval('#analysis .analysis-top button', (bs) =>
      bs.map((b) => (b as HTMLElement).dataset.code),
    );
    expect(top).to.deep.equal([0, 2, 1, 3, 4].map((i) => CODES[i]));

    // Drawn on the grid tiles: red at the 99 % hot grid, blue at the cold ring, from the tiles' feature state.
    await page.evaluate(() => window.__wangge!.map.jumpTo({ center: [100.0035, 20.0015], zoom: 16.5 }));
    await settle();
    const drawn = await page.evaluate(() =>
      Object.fromEntries(
        window
          .__wangge!.map.queryRenderedFeatures({ layers: ['analysis-grid-fill'] })
          .map((f) => [String(f.properties.code), f.state.analysis]),
      ),
    );
    expect(drawn[CODES[0]]).to.equal(3);
    expect(drawn[CODES[9]]).to.equal(-3);
    const hot = await pixel(100.0005, 20.0025);
    const cold = await pixel(100.0035, 20.0005); // the ring, south of its hole
    expect(hot[0] - hot[2], `hot grid drawn red (${hot})`).to.be.greaterThan(80);
    expect(cold[2] - cold[0], `cold ring drawn blue (${cold})`).to.be.greaterThan(30);
    await page.screenshot({ path: path.join(RESULTS, 'analysis-hotspots.png') });
  });

  it('FDR: the Benjamini–Hochberg bins (2 0 2 0 … −2 …)', async () => {
    await setForm('2026-01', '2026-01', 'matter:06', true);
    await run();
    expect(await values('grid', CODES)).to.deep.equal([2, 0, 2, 0, 0, 0, 0, 0, 0, -2, 0, 0, 0]);
    const l = await legend();
    expect([l['3'][1], l['2'][1], l['1'][1], l['0'][1], l['-2'][1]]).to.deep.equal([0, 2, 0, 10, 1]);
  });

  it('distance weights send distance_m; a refusal shows the server’s detail', async () => {
    await setForm('2026-01', '2026-01', 'matter:06');
    await page.selectOption('#analysis select[name="weights"]', 'distance');
    await page.fill('#analysis input[name="distance_m"]', '150');
    await run();
    const v = await page.evaluate(() => window.__wangge!.analysis!.view()!);
    expect(v.query).to.include({ weights: 'distance', distance_m: 150 });
    // unit 0: W 3 {0,1,2}, z = 4√(13/55) = 1.944, p .052 → bin 1 (hotspots.test.ts)
    expect((await values('grid', [CODES[0]]))[0]).to.equal(1);
    ui.session.ignore = /api\/analysis/;
    await page.fill('#analysis input[name="distance_m"]', '1000000');
    await run();
    ui.session.ignore = null;
    expect(await page.textContent('#analysis .analysis-message')).to.match(/^分析失败：请求内容有误：.*distance_m/);
    ui.session.takeErrors();
    await page.selectOption('#analysis select[name="weights"]', 'contiguity');
  });

  it('时空模式: the emerging categories with the server’s labels, and 逐月: each month’s bins on the slider', async () => {
    await setForm('2025-04', '2026-01');
    await run();
    await page.click('#analysis .analysis-tabs button[data-tab="trends"]');
    await idle();
    const l = await legend();
    expect(l).to.deep.equal({
      '1': ['新增的热点', 5],
      '8': ['历史的热点', 2],
      '-1': ['新增的冷点', 1],
      '0': ['未检测到模式', 5],
    });
    expect(await values('grid', CODES)).to.deep.equal([1, 1, 1, 1, 1, 0, 0, 0, 0, -1, 0, 8, 8]);
    expect(await page.textContent('#analysis .analysis-legend-rest')).to.equal('其余 13 类：0 个');
    // The labels are the server's (analysis.categories), not a table of the page: a changed answer shows.
    await page.route('**/api/analysis/emerging?*', async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      json.analysis.categories.new_hot_spot.label = '新增的热点（服务器）';
      await route.fulfill({ response, json });
    });
    await setForm('2025-03', '2026-01');
    await run();
    expect((await legend())['1']).to.deep.equal(['新增的热点（服务器）', 5]);
    await page.unroute('**/api/analysis/emerging?*');
    await setForm('2025-04', '2026-01');
    await run();

    await page.click('#analysis .analysis-tabs button[data-tab="steps"]');
    await idle();
    // The slider starts at the last month (January 2026): January's bins.
    expect(await page.textContent('#analysis [data-field="month"]')).to.equal('2026年1月');
    expect(await values('grid', CODES)).to.deep.equal(JAN_BINS);
    await page.$eval('#analysis input[name="step"]', (el) => {
      (el as HTMLInputElement).value = '0';
      el.dispatchEvent(new Event('input'));
    });
    expect(await page.textContent('#analysis [data-field="month"]')).to.equal('2025年4月');
    expect(await values('grid', CODES)).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    const l4 = await legend();
    expect([l4['1'][1], l4['0'][1]]).to.deep.equal([2, 11]);
    expect(await page.textContent('#analysis [data-field="summary"]')).to.equal('13 个网格 · 1 件案件');
  });

  it('a click in the top list flies to the grid and opens its panel', async () => {
    await page.click('#analysis .analysis-tabs button[data-tab="hotspots"]');
    await setForm('2026-01', '2026-01', 'matter:06');
    await run();
    await page.evaluate(() => window.__wangge!.map.jumpTo({ center: [100.0035, 20.0015], zoom: 11 }));
    expect(await page.textContent('#analysis .analysis-zoom-hint')).to.include('单元网格在 13 级起显示');
    await page.click(`#analysis .analysis-top button[data-code="${CODES[2]}"]`);
    await page.waitForSelector(`#info[data-code="${CODES[2]}"]:not([hidden])`);
    await page.waitForFunction(() => !window.__wangge!.map.isMoving());
    const z = await page.evaluate(() => window.__wangge!.map.getZoom());
    expect(z).to.be.greaterThan(13);
    await page.waitForSelector('#analysis .analysis-zoom-hint', { state: 'detached' });
  });

  it('communities: one value per community', async () => {
    await page.selectOption('#analysis select[name="level"]', 'community');
    await run();
    // x = 13 0 0 0 (东湖 holds all 13), x̄ 3.25, S = √((9.75² + 3 · 3.25²)/4) = √31.6875. Queen: 东湖 {东湖, 西湖},
    // 西湖 {东湖, 西湖, 002001}, 002001 {西湖, 002001, 002002}, 002002 {002001, 002002}. Gi* = (Σwx − 3.25 W)/(S √((4W − W²)/3)):
    // 东湖 6.5/(S · 1.1547) = 1.0; 西湖 3.25/S = 0.577; 002001 −9.75/S = −1.732 (p .083 → −1); 002002 −6.5/6.5 = −1.0.
    expect(await values('community', ['990001001001', '990001001002', '990001002001', '990001002002'])).to.deep.equal([
      0, 0, -1, 0,
    ]);
    expect(await page.textContent('#analysis [data-field="summary"]')).to.equal('4 个社区 · 13 件案件');
    expect(await values('grid', [CODES[0]])).to.deep.equal([null]);
    await page.selectOption('#analysis select[name="level"]', 'grid');
  });

  it('分析 and 编辑 share the right side: opening one closes the other', async () => {
    await page.click('.edit-toggle');
    await page.waitForSelector('#edit:not([hidden])');
    expect(await page.evaluate(() => window.__wangge!.analysis!.active())).to.equal(false);
    expect(await page.isHidden('#analysis')).to.equal(true);
    await page.click('.analysis-toggle');
    await idle();
    await page.evaluate(() => window.__wangge!.edit!.idle());
    expect(await page.evaluate(() => window.__wangge!.edit!.active())).to.equal(false);
    expect(await page.isVisible('#analysis')).to.equal(true);
    expect(await values('community', ['990001002001'])).to.deep.equal([-1]);
  });

  it('closing the panel takes the colours off the map', async () => {
    await page.click('#analysis .close');
    expect(await page.evaluate(() => document.body.classList.contains('analysing'))).to.equal(false);
    expect(await values('community', ['990001001001'])).to.deep.equal([null]);
  });

  it('the heat map (热力图): a legend, and a kernel radius that keeps its ground size from zoom to zoom', async () => {
    // A planner gets the coarse map: cells of 0.002° (~223 m) with ≥ 3 cases in the last year (December 2025 –
    // December 2026 here): the cell of columns 0–1, rows 0–1 holds 1 + 1 + 2 + 4 = 8 cases, that of rows 2 3 + 2 = 5.
    // Kernel radius: 1.5 cells = 1.5 · 0.002 · 40 075 016.686 / 360 = 333.96 m.
    const metersPerPixel = (zoom: number, lat: number) =>
      (40075016.686 * Math.cos((lat * Math.PI) / 180)) / (512 * 2 ** zoom);
    const center: [number, number] = [100.0015, 20.0025];
    await page.evaluate((c) => window.__wangge!.map.jumpTo({ center: c, zoom: 12 }), center);
    const loads = await page.evaluate(() => window.__wangge!.heat.loads);
    await page.check('#heat-toggle');
    await page.waitForFunction((n) => window.__wangge!.heat.loads > n, loads);
    const heat = () =>
      page.evaluate(() => {
        const h = window.__wangge!.heat;
        return { points: h.points, total: h.total, radius: { ...h.radius }, props: h.layer!.props.radiusPixels };
      });
    const z12 = await heat();
    expect(z12).to.deep.include({ points: 2, total: 13 });
    expect(z12.radius.metres).to.be.closeTo(333.96, 0.01);
    expect(z12.radius.pixels).to.equal(Math.round(z12.radius.metres / metersPerPixel(12, center[1])));
    expect(z12.props).to.equal(z12.radius.pixels);
    expect(await page.isVisible('#heat-legend')).to.equal(true);
    expect(await page.textContent('#heat-legend .legend-subtitle')).to.equal('热力图 · 案件密度');
    expect(await page.textContent('#heat-legend')).to.include('核半径约 334 米');
    expect(await page.textContent('#heat-legend [data-field="aggregation"]')).to.equal(
      '按约 223 米格网汇总，每格至少 3 件',
    );
    await settle();
    await page.screenshot({ path: path.join(RESULTS, 'heat-z12.png') });

    // Grid zoom: the radius grows with the zoom (up to the GPU's largest point sprite, at most 400 px).
    await page.evaluate((c) => window.__wangge!.map.jumpTo({ center: c, zoom: 17 }), center);
    await page.waitForFunction((px) => window.__wangge!.heat.radius.pixels !== px, z12.radius.pixels);
    const z17 = await heat();
    const maxPoint = await page.evaluate(() => {
      const canvas = window.__wangge!.map.getCanvas();
      const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl'))!;
      return (gl.getParameter(gl.ALIASED_POINT_SIZE_RANGE) as Float32Array)[1];
    });
    const want = Math.round(z17.radius.metres / metersPerPixel(17, center[1]));
    expect(z17.radius.pixels).to.equal(Math.min(want, 400, maxPoint));
    expect(z17.props).to.equal(z17.radius.pixels);
    await settle();
    await page.screenshot({ path: path.join(RESULTS, 'heat-z17.png') });
    await page.uncheck('#heat-toggle');
    await page.waitForFunction(() => !window.__wangge!.heat.visible);
    expect(await page.isVisible('#heat-legend')).to.equal(false);
  });

  it('shows no 分析 to a role that may not read the analyses (a department handler)', async () => {
    await page.goto('about:blank');
    await page.goto(`${w.server.url}/#token=${w.u.hA.token}`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset.state)).to.equal('ready');
    expect(await page.evaluate(() => window.__wangge!.analysis)).to.equal(null);
    expect(await page.locator('.analysis-toggle').count()).to.equal(0);
    expect(await page.locator('#analysis').count()).to.equal(0);
  });
});
