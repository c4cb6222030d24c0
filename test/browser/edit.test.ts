/**
 * The editing mode (编辑) in chromium over the micro-city, signed in as a gis_editor: split a grid by drawing a line
 * (two new grids in the tiles), drag a shared vertex (every grid through it gets a new version), a refused vertex
 * move (its problems listed and marked on the map, nothing stored), and a draft — split, undo, split again, what-if,
 * publish — that moves an open case to a new grid. Runs when chromium exists (see test/helpers/browser.ts).
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { createUser } from '../../server/auth/tokens.js';
import { RESULTS, useBrowserSuite } from '../helpers/browser.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { useMicroCityServer } from '../helpers/micro-server.js';

type LonLat = [number, number];

describe(`editing mode (编辑) in chromium (${DRIVER}, micro-city)`, function () {
  this.timeout(240_000);
  const ui = useBrowserSuite('edit');
  const env = useMicroCityServer();
  let page: Page;
  let token = '';
  let dispatcher = '';

  const api = async <T>(method: string, p: string, body?: unknown, status = 200, as = token): Promise<T> => {
    const res = await request<T>(env.server, method, p, { token: as, body: body || undefined });
    expect(res.status, `${method} ${p}: ${res.text}`).to.equal(status);
    return res.body;
  };
  const version = async (code: string) =>
    (await api<{ properties: { version: number } }>('GET', `/api/grids/${code}`)).properties.version;

  /** The screen point of a position on the map (the map fills the page). */
  const screen = (p: LonLat) =>
    page.evaluate(([lon, lat]) => {
      const s = window.__wangge!.map.project([lon, lat]);
      return { x: s.x, y: s.y };
    }, p);
  const click = async (p: LonLat) => {
    const s = await screen(p);
    await page.mouse.click(s.x, s.y);
  };
  /** Presses at a position, moves in steps and releases at another (a drag). */
  const drag = async (from: LonLat, to: LonLat) => {
    const a = await screen(from);
    const b = await screen(to);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(a.x + ((b.x - a.x) * i) / 10, a.y + ((b.y - a.y) * i) / 10);
    await page.mouse.up();
  };
  const idle = () => page.evaluate(() => window.__wangge!.edit!.idle());
  const settle = () => page.evaluate(() => window.__wangge!.settle());
  const view = (center: LonLat, zoom = 17.5) =>
    page.evaluate(([c, z]) => window.__wangge!.map.jumpTo({ center: c as LonLat, zoom: z as number }), [center, zoom]);
  /** The grid codes the grid tiles draw now. */
  const tileCodes = () =>
    page.evaluate(() =>
      [
        ...new Set(
          window.__wangge!.map.queryRenderedFeatures({ layers: ['grid-fill'] }).map((f) => String(f.properties.code)),
        ),
      ].sort(),
    );
  const selectOnMap = async (code: string, at: LonLat) => {
    await click(at);
    await page.waitForSelector(`#edit .edit-grid[data-code="${code}"]`);
    await idle();
  };
  const message = () => page.textContent('#edit [data-field="message"]');

  before(async () => {
    ({ token } = await createUser(env.database.db, 'GIS编辑小王', 'gis_editor'));
    ({ token: dispatcher } = await createUser(env.database.db, '调度员小李', 'dispatcher'));
    await ui.open(`${env.server.url}/#token=${token}`);
    page = ui.page;
  });

  it('shows 编辑 to a gis_editor (x-roles) and opens the panel', async () => {
    expect(await page.evaluate(() => !!window.__wangge!.edit)).to.equal(true);
    await page.click('.edit-toggle');
    await page.waitForSelector('#edit:not([hidden])');
    await idle();
    expect(await page.evaluate(() => document.body.classList.contains('editing'))).to.equal(true);
    expect(await page.$eval('#edit [data-field="target"]', (s) => (s as HTMLSelectElement).value)).to.equal('direct');
    expect(await page.textContent('.edit-toggle')).to.equal('编辑');
  });

  it('splits a grid by a drawn line: two new grids in the tiles, the old one retired', async () => {
    await view([100.0015, 20.0015]);
    await settle();
    expect(await tileCodes()).to.include('990001001001004');
    await selectOnMap('990001001001004', [100.0015, 20.0015]);
    await page.click('#edit button[data-tool="split"]');
    await click([100.0015, 20.0007]);
    await click([100.0015, 20.0023]);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() =>
      /已发布/.test(document.querySelector('#edit [data-field="message"]')?.textContent ?? ''),
    );
    expect(await message()).to.equal(
      '已发布：拆分 990001001001004 → 990001001001007、990001001001008；重新分派案件 0 件',
    );
    expect((await request(env.server, 'GET', '/api/grids/990001001001004')).status).to.equal(404);
    await page.waitForFunction(
      () => {
        const codes = window
          .__wangge!.map.queryRenderedFeatures({ layers: ['grid-fill'] })
          .map((f) => f.properties.code);
        return (
          codes.includes('990001001001007') && codes.includes('990001001001008') && !codes.includes('990001001001004')
        );
      },
      null,
      { timeout: 20_000 },
    );
    await page.screenshot({ path: path.join(RESULTS, 'edit-split.png') });
  });

  it('drags a shared vertex: every grid through it follows (new versions)', async () => {
    const codes = ['990001001001001', '990001001001002', '990001001001003', '990001001001007'];
    const before = await Promise.all(codes.map(version));
    await selectOnMap('990001001001003', [100.0005, 20.0015]);
    // The vertex shared by 001, 002, 003 and 007 goes 0.0001° north-east.
    await drag([100.001, 20.002], [100.0011, 20.0021]);
    await page.waitForFunction(() =>
      /移动顶点/.test(document.querySelector('#edit [data-field="message"]')?.textContent ?? ''),
    );
    await idle();
    expect(await message()).to.match(/^已发布：移动顶点（990001001001003，\d+ 个要素随之调整）/);
    const after = await Promise.all(codes.map(version));
    expect(after).to.deep.equal(before.map((v) => v + 1));
    // The grid stays selected with its new version; its vertex is where it was dropped (within a pixel).
    const g = await api<{ geometry: { type: string; coordinates: unknown } }>('GET', '/api/grids/990001001001003');
    const ring = (
      g.geometry.type === 'MultiPolygon'
        ? (g.geometry.coordinates as LonLat[][][])[0][0]
        : (g.geometry.coordinates as LonLat[][])[0]
    ).slice(0, -1);
    // Its 4 corners: the moved one is where it was dropped (within a pixel, ~1e-5°), the others where they were.
    expect(ring).to.have.length(4);
    const moved = ring.filter((p) => Math.abs(p[0] - 100.0011) < 1e-5 && Math.abs(p[1] - 20.0021) < 1e-5);
    expect(moved, JSON.stringify(ring)).to.have.length(1);
    expect(ring.filter((p) => p !== moved[0])).to.have.deep.members([
      [100, 20.001],
      [100.001, 20.001],
      [100, 20.002],
    ]);
  });

  it('shows a refused vertex move: its problems listed and marked on the map, nothing stored', async () => {
    const before = await version('990001001001002');
    await view([100.0015, 20.0025], 17);
    await settle();
    await selectOnMap('990001001001002', [100.0017, 20.0027]);
    ui.session.ignore = /\/api\/grids\/\d+\/reshape/;
    try {
      // The split's end point on 002's south edge, dragged past its north edge: 002 would fold.
      await drag([100.0015, 20.002], [100.0015, 20.0035]);
      await page.waitForSelector('#edit .edit-problems li.problem');
      await idle();
    } finally {
      ui.session.ignore = null;
    }
    expect(await message()).to.equal('移动顶点未通过检查，未作任何修改。');
    const problems = await page.$$eval('#edit .edit-problems li.problem', (lis) => lis.map((li) => li.textContent));
    expect(problems.length).to.be.greaterThan(0);
    expect(problems.join(' ')).to.match(/990001001001002/);
    const markers = await page.evaluate(() => window.__wangge!.map.querySourceFeatures('edit-problems').length);
    const located = await page.evaluate(() => window.__wangge!.edit!.view().problems.filter((p) => p.location).length);
    expect(markers).to.equal(located);
    expect(located).to.be.greaterThan(0);
    expect(await version('990001001001002')).to.equal(before);
  });

  it('drafts a split (undo, split again), shows the what-if, publishes it and the case moves', async () => {
    const reported = await api<{ id: number; assignment: { grid: { code: string } } }>(
      'POST',
      '/api/cases',
      {
        channel: 'collector',
        category: 'matter:06010',
        description: '暴露垃圾',
        location: { lon: 100.0025, lat: 20.0028 },
      },
      201,
      dispatcher,
    );
    expect(reported.assignment.grid.code).to.equal('990001001002001');
    await page.fill('#edit [data-field="draft-name"]', '西湖社区北片调整');
    await page.click('#edit button[data-action="new-draft"]');
    await page.waitForSelector('#edit .edit-draft');
    await idle();
    await view([100.0025, 20.0025]);
    await settle();
    await selectOnMap('990001001002001', [100.0025, 20.0023]);
    const split = async () => {
      await page.click('#edit button[data-tool="split"]');
      await click([100.0017, 20.0025]);
      await click([100.0033, 20.0025]);
      await page.keyboard.press('Enter');
      await page.waitForSelector('#edit .edit-steps li[data-op="split"]');
      await idle();
    };
    await split();
    expect(await page.$$eval('#edit .edit-steps li', (lis) => lis.map((li) => li.textContent))).to.deep.equal([
      '拆分 990001001002001 → 990001001002004、990001001002005',
    ]);
    // Invisible to the tiles; drawn as the draft overlay.
    expect((await request(env.server, 'GET', '/api/grids/990001001002001')).status).to.equal(200);
    const overlay = await page.evaluate(() =>
      window
        .__wangge!.map.querySourceFeatures('edit-draft')
        .filter((f) => f.properties.level === 'grid')
        .map((f) => `${f.properties.code}:${f.properties.new}`),
    );
    expect([...new Set(overlay)].sort()).to.include.members(['990001001002004:true', '990001001002005:true']);

    await page.click('#edit button[data-action="undo"]');
    await page.waitForFunction(() => !document.querySelector('#edit .edit-steps'));
    await idle();
    await selectOnMap('990001001002001', [100.0025, 20.0023]);
    await split();

    await page.click('#edit button[data-action="what-if"]');
    await page.waitForSelector('#edit [data-field="what-if"]');
    const count = (k: string) => page.textContent(`#edit [data-field="what-if"] [data-count="${k}"]`);
    expect(await count('examined')).to.equal('1');
    expect(await count('grid')).to.equal('1');
    expect(await page.textContent(`#edit .edit-cases li[data-id="${reported.id}"]`)).to.equal(
      `案件 ${reported.id}：网格 990001001002001 → 990001001002004`,
    );

    await page.click('#edit button[data-action="publish"]');
    await page.waitForSelector('#edit [data-field="published"]');
    await idle();
    expect(await page.textContent('#edit [data-field="published"] [data-field="retired"]')).to.equal('990001001002001');
    expect(await page.textContent('#edit [data-field="published"] [data-field="created"]')).to.equal(
      '990001001002004、990001001002005',
    );
    expect(await page.textContent('#edit [data-field="reassigned"]')).to.match(/改变 1 件/);
    const moved = await api<{ assignment: { grid: { code: string } } }>(
      'GET',
      `/api/cases/${reported.id}`,
      undefined,
      200,
      dispatcher,
    );
    expect(moved.assignment.grid.code).to.equal('990001001002004');
    await page.waitForFunction(
      () =>
        window
          .__wangge!.map.queryRenderedFeatures({ layers: ['grid-fill'] })
          .some((f) => f.properties.code === '990001001002004'),
      null,
      { timeout: 20_000 },
    );
    expect(await page.$eval('#edit [data-field="target"]', (s) => (s as HTMLSelectElement).value)).to.equal('direct');
    await page.screenshot({ path: path.join(RESULTS, 'edit-draft.png') });
  });

  it('builds a collector area by picking grids (监督员责任区) and draws an area-class polygon (绘制责任区)', async () => {
    await page.click('#edit button[data-action="resp-collector"]');
    await page.waitForSelector('#edit [data-tool="resp-collector"]');
    await page.fill('#edit [data-field="area-name"]', '西湖北片');
    await click([100.0025, 20.0028]);
    await page.waitForFunction(() =>
      /990001001002004/.test(document.querySelector('#edit [data-field="area-grids"]')?.textContent ?? ''),
    );
    await click([100.0025, 20.0021]);
    await page.waitForFunction(() =>
      /990001001002005/.test(document.querySelector('#edit [data-field="area-grids"]')?.textContent ?? ''),
    );
    expect(await page.textContent('#edit [data-field="area-grids"]')).to.equal('990001001002004、990001001002005');
    await page.click('#edit button[data-action="save-area"]');
    await page.waitForFunction(() =>
      /已保存/.test(document.querySelector('#edit [data-field="resp-message"]')?.textContent ?? ''),
    );
    expect(await page.textContent('#edit [data-field="resp-message"]')).to.equal(
      '监督员责任区「西湖北片」已保存（2 个网格）。',
    );
    const areas = await api<{ name: string; grid_codes: string[] }[]>('GET', '/api/collector-areas');
    expect(areas.map((a) => [a.name, a.grid_codes])).to.deep.equal([
      ['西湖北片', ['990001001002004', '990001001002005']],
    ]);

    await page.click('#edit button[data-action="resp-draw"]');
    await page.waitForSelector('#edit [data-tool="resp-draw"]');
    await page.fill('#edit [data-field="zone-name"]', '西湖核心区');
    await page.selectOption('#edit [data-field="zone-class"]', 'A');
    await page.click('#edit button[data-action="draw"]');
    const corners: LonLat[] = [
      [100.0021, 20.0021],
      [100.0029, 20.0021],
      [100.0029, 20.0029],
      [100.0021, 20.0029],
    ];
    for (const c of corners) await click(c);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() =>
      /已新建/.test(document.querySelector('#edit [data-field="resp-message"]')?.textContent ?? ''),
    );
    expect(await page.textContent('#edit [data-field="resp-message"]')).to.equal(
      '已新建区域类别「西湖核心区」（A 类）。',
    );
    const zones = await api<{ name: string; class: string; area: { kind: string; geometry: unknown } }[]>(
      'GET',
      '/api/area-classes',
    );
    expect(zones.map((z) => [z.name, z.class, z.area.kind])).to.deep.equal([['西湖核心区', 'A', 'polygon']]);
    const g = zones[0].area.geometry as { type: string; coordinates: unknown };
    const ring = g.type === 'MultiPolygon' ? (g.coordinates as LonLat[][][])[0][0] : (g.coordinates as LonLat[][])[0];
    expect(ring).to.have.length(5);
    // Each drawn corner within a pixel (~1e-5°) of where it was clicked.
    for (const c of corners)
      expect(
        ring.some((p) => Math.abs(p[0] - c[0]) < 1e-5 && Math.abs(p[1] - c[1]) < 1e-5),
        JSON.stringify(ring),
      ).to.equal(true);
  });

  it('merges a neighbour (合并), renames (改名) and lists the history (历史)', async () => {
    // An open case in the grid merged away: the re-assignment after the merge moves it (and only it).
    const inside = await api<{ id: number; assignment: { grid: { code: string } } }>(
      'POST',
      '/api/cases',
      {
        channel: 'collector',
        category: 'matter:06010',
        description: '暴露垃圾',
        location: { lon: 100.0015, lat: 20.0005 },
      },
      201,
      dispatcher,
    );
    expect(inside.assignment.grid.code).to.equal('990001001001006');
    await page.selectOption('#edit [data-field="target"]', 'direct');
    await idle();
    await view([100.001, 20.0008]);
    await settle();
    await selectOnMap('990001001001005', [100.0005, 20.0005]);
    await page.click('#edit button[data-tool="merge"]');
    await click([100.0015, 20.0005]);
    await page.waitForFunction(
      () => document.querySelector('#edit [data-field="picked"]')?.textContent === '990001001001006',
    );
    await page.click('#edit [data-tool="merge"] button[data-action="confirm"]');
    await page.waitForFunction(() =>
      /合并/.test(document.querySelector('#edit [data-field="message"]')?.textContent ?? ''),
    );
    await idle();
    // Only the cases inside the changed area are placed again: the one in 006, not the draft test's case elsewhere.
    expect(await message()).to.equal(
      '已发布：合并 990001001001005、990001001001006 → 990001001001005；重新分派案件 1 件',
    );
    expect((await request(env.server, 'GET', '/api/grids/990001001001006')).status).to.equal(404);
    const moved = await api<{ assignment: { grid: { code: string } } }>(
      'GET',
      `/api/cases/${inside.id}`,
      undefined,
      200,
      dispatcher,
    );
    expect(moved.assignment.grid.code).to.equal('990001001001005');
    expect(await page.getAttribute('#edit .edit-grid', 'data-code')).to.equal('990001001001005');

    await page.click('#edit button[data-tool="rename"]');
    await page.fill('#edit [data-field="new-name"]', '东湖南网格');
    await page.click('#edit [data-tool="rename"] button[data-action="confirm"]');
    await page.waitForFunction(() =>
      /改名/.test(document.querySelector('#edit [data-field="message"]')?.textContent ?? ''),
    );
    await idle();
    expect(await page.textContent('#edit .edit-grid [data-field="name"]')).to.equal('东湖南网格');

    await page.click('#edit button[data-tool="history"]');
    await page.waitForSelector('#edit [data-field="history"]');
    await idle();
    const versions = await page.$$eval('#edit [data-field="history"] li[data-version]', (lis) =>
      lis.map((li) => li.getAttribute('data-version')),
    );
    expect(versions).to.deep.equal(['1', '2', '3']);
    const text = await page.textContent('#edit [data-field="history"]');
    expect(text).to.include('止于：');
    expect(text).to.include('GIS编辑小王 · 合并 990001001001005、990001001001006 → 990001001001005');
    expect(text).to.include('改名 990001001001005：东湖社区第5网格 → 东湖南网格');
  });

  it('shows no 编辑 to a role that may not edit grids (a dispatcher)', async () => {
    await page.goto('about:blank');
    await page.goto(`${env.server.url}/#token=${dispatcher}`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset.state)).to.equal('ready');
    expect(await page.evaluate(() => window.__wangge!.edit)).to.equal(null);
    expect(await page.locator('.edit-toggle').count()).to.equal(0);
    expect(await page.locator('#edit').count()).to.equal(0);
  });
});
