/**
 * The dispatcher panel (案件调度), the cases layer and the heat map in a real browser: Debian's chromium (WebGL2 on
 * SwiftShader) driven by playwright-core against the real app over the micro-city, with departments and rules as
 * a fixture and a case reported through `POST /api/cases`.
 *
 * WANGGE_BROWSER_TESTS: unset → run when /usr/bin/chromium exists, else skip with a notice; `skip` → skip;
 * `require` → fail when chromium is missing. Screenshots go to test-results/dispatch-*.png.
 */
import path from 'node:path';
import { expect } from 'chai';
import { sql } from 'kysely';
import type { BrowserContext, Page } from 'playwright-core';
import { RESULTS, openBrowser, skipReason, type BrowserSession } from '../helpers/browser.js';
import type { Database } from '../../server/db/index.js';
import { importRegions } from '../../server/importexport/import.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createUser } from '../../server/auth/tokens.js';
import { bumpLayers } from '../../server/db/write.js';
import { microCity } from '../fixtures/micro-city.js';

/** The reported case: cell (0, 2) of the micro-city = grid 990001001001001 (东湖社区, 湖滨街道). */
const SPOT = { lon: 100.0005, lat: 20.0025 };
const GRID = '990001001001001';

type CaseJson = {
  id: number;
  case_no: string;
  state: string;
  category: { name: string };
  assignment: { grid: { code: string } | null; department: { code: string; name: string } | null; why: string };
  events: { action: string; from_state: string | null; to_state: string | null; note: string | null }[];
};

/**
 * Departments and rules of the fixture: matter:06 (市容环境) anywhere → 湖滨环卫所; any category anywhere → 市政管理所
 * (loses on specificity); 湖滨街道办 is the street's fallback (属地兜底).
 */
async function seedResponsibility(database: Database): Promise<void> {
  const db = database.db;
  await sql`insert into department (code, name, kind, fallback_for) values
    ('HJ-HB', '湖滨环卫所', '环卫', null),
    ('SZ-01', '市政管理所', '市政', null),
    ('JD-HB', '湖滨街道办', '街道办', '990001001')`.execute(db);
  await sql`insert into resp_rule (name, category_kind, category_pattern, area_kind, department_code) values
    ('市容环境归环卫', 'matter', '06', 'anywhere', 'HJ-HB'),
    ('其余归市政', null, '*', 'anywhere', 'SZ-01')`.execute(db);
  await sql`update assignment_version set version = version + 1 where id = 1`.execute(db);
}

describe(`dispatcher panel and heat map in chromium (${DRIVER}, micro-city)`, function () {
  this.timeout(180_000);
  let database: Database | undefined;
  let server: TestServer | undefined;
  let context: BrowserContext | undefined;
  let browser: BrowserSession | undefined;
  let page: Page;
  let token = '';
  let reported: CaseJson;
  /** While set, failed requests whose URL matches are expected (the 409 the error test provokes). */

  const api = async <T>(method: string, p: string, body?: unknown, status = 200): Promise<T> => {
    const res = await request<T>(server!, method, p, { token, body: body || undefined });
    expect(res.status, `${method} ${p}: ${res.text}`).to.equal(status);
    return res.body;
  };

  const idle = (p = page) =>
    p.evaluate(() =>
      Promise.race([
        window.__wangge!.settle(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('map did not settle within 30 s')), 30_000)),
      ]),
    );

  /** Waits for the end of a camera move, then for every tile of the view. */
  const still = async () => {
    await page.waitForFunction(() => !window.__wangge!.map.isMoving(), null, { timeout: 15_000 });
    await idle();
  };

  const renderedCases = () =>
    page.evaluate(() =>
      window.__wangge!.map.queryRenderedFeatures({ layers: ['case-point'] }).map((f) => ({
        id: f.properties.id as number,
        state: f.properties.state as string,
        overdue: f.properties.overdue as boolean,
      })),
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
    await seedResponsibility(database);
    ({ token } = await createUser(database.db, '调度员小王', 'dispatcher'));
    server = await startTestServer(database);

    reported = await api<CaseJson>(
      'POST',
      '/api/cases',
      {
        channel: 'hotline_12345',
        category: 'matter:06010',
        description: '路边有一堆暴露垃圾',
        address: '东湖社区北门',
        location: SPOT,
      },
      201,
    );
    expect(reported.state).to.equal('reported');
    expect(reported.assignment.grid?.code).to.equal(GRID);
    expect(reported.assignment.department?.code).to.equal('HJ-HB');

    browser = await openBrowser();
    ({ context, page } = browser);
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

  it('shows the reported case in the 待处理 queue of a signed-in dispatcher', async () => {
    expect(await page.evaluate(() => document.body.dataset.state)).to.equal('ready');
    await page.waitForSelector('#dispatch[data-loaded]', { timeout: 10_000 });
    expect(await page.textContent('#dispatch-title')).to.equal('案件调度');
    expect(await page.textContent('#dispatch .user')).to.equal('调度员小王 · 调度员');
    const row = `#dispatch .case-row[data-id="${reported.id}"]`;
    await page.waitForSelector(row);
    const text = await page.textContent(row);
    expect(text)
      .to.contain(reported.case_no)
      .and.contain('暴露垃圾')
      .and.contain('上报')
      .and.contain('湖滨街道 · 东湖社区');
    expect(await page.textContent(`${row} .deadline`)).to.match(/^(剩|超期) \d+ (分钟|小时|天)$/);
    expect(await page.locator(`${row} .tag-outside`).count(), 'no 越界 tag inside the grids').to.equal(0);
    expect(await page.textContent('#dispatch [data-tab="pending"] .count')).to.equal('1');
    expect(await page.textContent('#dispatch [data-tab="overdue"] .count')).to.equal('0');
    await page.click('#dispatch [data-tab="overdue"]');
    expect(await page.locator('#dispatch .case-row').count()).to.equal(0);
    expect(await page.textContent('#dispatch .case-queue')).to.contain('暂无案件');
    await page.click('#dispatch [data-tab="pending"]');
    await page.waitForSelector(row);
  });

  it('draws the case point from the cases tile layer', async () => {
    await page.evaluate(
      ([lon, lat]) => window.__wangge!.map.jumpTo({ center: [lon, lat], zoom: 15 }),
      [SPOT.lon, SPOT.lat],
    );
    await idle();
    const cases = await renderedCases();
    expect(cases).to.deep.include({ id: reported.id, state: 'reported', overdue: false });
  });

  it('a click on the queue row flies to the case, highlights its grid and shows the assignment and why', async () => {
    await page.evaluate(() => window.__wangge!.map.jumpTo({ center: [100.05, 20.05], zoom: 13 }));
    await page.click(`#dispatch .case-row[data-id="${reported.id}"]`);
    const detail = `#dispatch .case-detail[data-id="${reported.id}"]`;
    await page.waitForSelector(detail);
    await still();
    const view = await page.evaluate(
      ([lon, lat]) => {
        const map = window.__wangge!.map;
        return { zoom: map.getZoom(), inView: map.getBounds().contains([lon, lat]) };
      },
      [SPOT.lon, SPOT.lat],
    );
    expect(view.inView, 'the case is in view after the flight').to.equal(true);
    expect(view.zoom).to.be.at.least(17);
    // The grid is highlighted through the map's own selection (and its info panel).
    await page.waitForSelector(`#info[data-code="${GRID}"]:not([hidden])`, { timeout: 10_000 });
    await idle();
    const highlighted = await page.evaluate(() =>
      window
        .__wangge!.map.queryRenderedFeatures({ layers: ['selection-line'] })
        .map((f) => f.properties.code as string),
    );
    expect(highlighted).to.include(GRID);
    const ringed = await page.evaluate(() =>
      window.__wangge!.map.queryRenderedFeatures({ layers: ['case-selected'] }).map((f) => f.properties.id as number),
    );
    expect(ringed).to.deep.equal([reported.id]);

    const field = (name: string) => page.textContent(`${detail} [data-field="${name}"]`);
    expect(await field('grid')).to.contain(GRID);
    expect(await field('community')).to.equal('东湖社区（990001001001）');
    expect(await field('street')).to.equal('湖滨街道（990001001）');
    expect(await field('area_class')).to.match(/^[ABC] 类/);
    expect(await field('department')).to.contain('湖滨环卫所（HJ-HB）');
    expect(await field('why')).to.equal(reported.assignment.why);
    expect(await page.textContent(`${detail} .candidates summary`)).to.equal('其他候选规则 1 条');
    expect(await page.textContent(`${detail} .candidates li`))
      .to.contain('其余归市政')
      .and.contain('SZ-01');
    expect(await page.textContent(`${detail} .history`)).to.contain('上报');
    const buttons = await page.$$eval(`${detail} .action-buttons button`, (bs) =>
      bs.map((b) => [b.getAttribute('data-action'), b.textContent]),
    );
    expect(buttons).to.deep.include.members([
      ['accept', '受理'],
      ['request_verify', '核实派发'],
      ['void', '作废'],
    ]);
    expect(await page.getAttribute(`#dispatch .case-row[data-id="${reported.id}"]`, 'aria-current')).to.equal('true');
    await page.screenshot({ path: path.join(RESULTS, 'dispatch-detail.png') });
  });

  it('受理 → 立案 → 派遣 from the panel moves the case to dispatched with its history', async () => {
    const detail = `#dispatch .case-detail[data-id="${reported.id}"]`;
    await page.click(`${detail} button[data-action="accept"]`);
    await page.waitForSelector(`${detail}[data-state="accepted"]`);
    await page.click(`${detail} button[data-action="file"]`);
    await page.waitForSelector(`${detail}[data-state="filed"]`);
    await page.click(`${detail} button[data-action="dispatch"]`);
    // 派遣 asks for the department, the assigned one first.
    const select = `${detail} .action-form select[name="department_code"]`;
    await page.waitForSelector(select);
    expect(await page.inputValue(select)).to.equal('HJ-HB');
    await page.waitForFunction((s) => document.querySelectorAll(`${s} option`).length === 3, select);
    await page.click(`${detail} .action-form button[type="submit"]`);
    await page.waitForSelector(`${detail}[data-state="dispatched"]`);
    expect(await page.textContent(`${detail} [data-field="state"]`)).to.equal('处置中');

    const stored = await api<CaseJson>('GET', `/api/cases/${reported.id}`);
    expect(stored.state).to.equal('dispatched');
    expect(stored.assignment.department?.code).to.equal('HJ-HB');
    expect(stored.events.map((e) => [e.action, e.from_state, e.to_state])).to.deep.equal([
      ['report', null, 'reported'],
      ['accept', 'reported', 'accepted'],
      ['file', 'accepted', 'filed'],
      ['dispatch', 'filed', 'dispatched'],
    ]);
    const history = await page.$$eval(`${detail} .events li`, (lis) => lis.map((li) => li.getAttribute('data-action')));
    expect(history).to.deep.equal(['report', 'accept', 'file', 'dispatch']);
    // Out of the dispatcher's 待处理 queue; the map's tiles follow the new state.
    await page.waitForSelector(`#dispatch .case-row[data-id="${reported.id}"]`, { state: 'detached' });
    expect(await page.textContent('#dispatch [data-tab="pending"] .count')).to.equal('0');
    await page.waitForFunction(
      (id) =>
        window
          .__wangge!.map.queryRenderedFeatures({ layers: ['case-point'] })
          .some((f) => f.properties.id === id && f.properties.state === 'dispatched'),
      reported.id,
      { timeout: 15_000 },
    );
  });

  it('shows the problem+json detail when the server refuses an action', async () => {
    const detail = `#dispatch .case-detail[data-id="${reported.id}"]`;
    // Someone else parks the case (挂账) while the panel still offers 改派.
    await api('POST', `/api/cases/${reported.id}/actions`, { action: 'park', note: '等待施工许可' });
    await page.click(`${detail} button[data-action="reassign"]`);
    const select = `${detail} .action-form select[name="department_code"]`;
    await page.waitForFunction((s) => document.querySelectorAll(`${s} option`).length === 4, select);
    expect(await page.inputValue(select), '改派 makes the dispatcher choose').to.equal('');
    await page.selectOption(select, 'SZ-01');
    await page.click(`${detail} .action-form button[type="submit"]`);
    expect(await page.textContent(`${detail} .action-error`)).to.equal('请填写改派说明');
    await page.fill(`${detail} .action-form textarea`, '不属于环卫职责');
    browser!.ignore = /\/api\/cases\/\d+\/actions/;
    try {
      await page.click(`${detail} .action-form button[type="submit"]`);
      await page.waitForFunction(
        (s) => /^操作失败/.test(document.querySelector(`${s} .action-error`)?.textContent ?? ''),
        detail,
      );
    } finally {
      browser!.ignore = null;
    }
    // The panel sent the version it showed (If-Match): the server refuses the stale view with 412 and its detail.
    const message = await page.textContent(`${detail} .action-error`);
    expect(message).to.match(
      /^操作失败：数据已被他人修改，请刷新后重试：case \d+ was changed by someone else: it is at version \d+/,
    );
    const stored = await api<{ state: string }>('GET', `/api/cases/${reported.id}`);
    expect(stored.state, 'the stale 改派 changed nothing').to.equal('parked');
    expect(await page.isEnabled(`${detail} .action-form button[type="submit"]`), 'the form can be sent again').to.equal(
      true,
    );
    // Reopening the case shows its real state and actions.
    await page.evaluate((id) => window.__wangge!.dispatch!.open(String(id)), reported.id);
    await page.waitForSelector(`${detail}[data-state="parked"]`);
    expect(await page.$$eval(`${detail} .action-buttons button`, (bs) => bs.map((b) => b.getAttribute('data-action'))))
      .to.include('unpark')
      .and.not.include('reassign');
    // The queues' refresh notices that the cases layer changed elsewhere and redraws the point as parked.
    await still();
    await page.waitForFunction(
      async (id) => {
        const w = window.__wangge!;
        await w.dispatch!.refresh();
        return w.map
          .queryRenderedFeatures({ layers: ['case-point'] })
          .some((f) => f.properties.id === id && f.properties.state === 'parked');
      },
      reported.id,
      { timeout: 15_000, polling: 1000 },
    );
  });

  it('opens a case clicked on the map', async () => {
    await page.click(`#dispatch .case-detail .close`);
    await page.waitForSelector('#dispatch .case-detail', { state: 'detached' });
    await page.evaluate(
      ([lon, lat]) => window.__wangge!.map.jumpTo({ center: [lon, lat], zoom: 17 }),
      [SPOT.lon, SPOT.lat],
    );
    await idle();
    const pt = await page.evaluate(
      ([lon, lat]) => {
        const p = window.__wangge!.map.project([lon, lat]);
        const r = window.__wangge!.map.getCanvas().getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      },
      [SPOT.lon, SPOT.lat],
    );
    await page.mouse.click(pt.x, pt.y);
    await page.waitForSelector(`#dispatch .case-detail[data-id="${reported.id}"][data-state="parked"]`, {
      timeout: 10_000,
    });
    await still();
  });

  it('draws the heat map (热力图) from /api/cases/heat and filters it by category', async () => {
    const heat = () =>
      page.evaluate(() => {
        const h = window.__wangge!.heat;
        return { visible: h.visible, points: h.points, total: h.total, loads: h.loads, error: h.error };
      });
    expect((await heat()).visible).to.equal(false);
    await page.evaluate(
      ([lon, lat]) => window.__wangge!.map.jumpTo({ center: [lon, lat], zoom: 16 }),
      [SPOT.lon, SPOT.lat],
    );
    await idle();
    // The colour at the case's screen point with the labels and case points hidden (they draw above the heat map).
    const probe = await page.evaluate(([lon, lat]) => window.__wangge!.map.project([lon, lat]), [SPOT.lon, SPOT.lat]);
    const pixel = () =>
      page.evaluate(async ({ x, y }) => {
        const w = window.__wangge!;
        const above = ['grid-label', 'case-point', 'case-selected'];
        for (const id of above) w.map.setLayoutProperty(id, 'visibility', 'none');
        try {
          return await (await w.diagnostics()).pixelAt(w.map, x, y);
        } finally {
          for (const id of above) w.map.setLayoutProperty(id, 'visibility', 'visible');
        }
      }, probe);
    const before = await pixel();

    const loads = (await heat()).loads;
    await page.check('#heat-toggle');
    await page.waitForFunction((n) => window.__wangge!.heat.loads > n, loads);
    expect(await heat()).to.deep.include({ visible: true, points: 1, total: 1, error: null });
    await idle();
    const deck = await page.evaluate(() => {
      const w = window.__wangge!;
      const layer = w.heat.layer!;
      return {
        groups: w.overlay.groups(),
        id: layer.id,
        data: (layer.props.data as unknown[]).length,
        loaded: layer.isLoaded,
        sublayers: layer.getSubLayers().map((l) => l.id),
        order: w.map.getLayersOrder(),
      };
    });
    expect(deck.groups).to.deep.equal(['heatmap']);
    expect(deck).to.deep.include({ id: 'cases-heat', data: 1, loaded: true });
    expect(deck.sublayers.length, 'the heat map drew its triangle sublayer').to.be.greaterThan(0);
    const deckAt = deck.order.findIndex((id) => id.startsWith('deck-'));
    expect(deck.order[deckAt + 1], 'the heat map draws under the labels').to.equal('grid-label');
    expect(deck.order.indexOf('case-point'), 'and under the case points').to.be.greaterThan(deckAt);
    const after = await pixel();
    const diff = Math.abs(after[0] - before[0]) + Math.abs(after[1] - before[1]) + Math.abs(after[2] - before[2]);
    expect(diff, `the heat map changed the pixel at the case (${before} → ${after})`).to.be.greaterThan(40);
    expect(after[0] - after[2], `a warm colour (${after})`).to.be.greaterThan(40);
    await page.screenshot({ path: path.join(RESULTS, 'dispatch-heat.png') });

    // 大类 from the category dictionary: 市容环境 (matter:06) keeps the case, another class has none.
    const options = await page.$$eval('#heat-category option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).to.include('matter:06').and.include('matter:01');
    const select = async (value: string) => {
      const n = (await heat()).loads;
      await page.selectOption('#heat-category', value);
      await page.waitForFunction((m) => window.__wangge!.heat.loads > m, n);
      return heat();
    };
    expect(await select('matter:06')).to.deep.include({ visible: true, points: 1 });
    expect(await select('matter:01')).to.deep.include({ visible: true, points: 0, total: 0 });
    expect(await page.textContent('#heat-message')).to.equal('所选范围内没有案件');
    const n = (await heat()).loads;
    await page.selectOption('#heat-period', '30');
    await page.waitForFunction((m) => window.__wangge!.heat.loads > m, n);
    expect(await page.evaluate(() => window.__wangge!.heat.query))
      .to.have.property('from')
      .that.is.a('string');
    await page.selectOption('#heat-category', '');
    await page.uncheck('#heat-toggle');
    await page.waitForFunction(() => !window.__wangge!.heat.visible);
    expect(await page.evaluate(() => window.__wangge!.overlay.groups())).to.deep.equal([]);
  });

  it('lists an overdue case under 超期 in red, with an 越界 tag when outside the grids, and draws it red', async () => {
    // Reported just outside the micro-city (east of lon 100.007), then its stage deadline passes.
    const late = await api<CaseJson & { outside_coverage: boolean }>(
      'POST',
      '/api/cases',
      {
        channel: 'app',
        category: 'matter:06010',
        description: '河边垃圾',
        location: { lon: 100.0074, lat: 20.0015 },
      },
      201,
    );
    expect(late.outside_coverage).to.equal(true);
    await sql`update case_record set stage_deadline = now() - interval '3 hours' where id = ${late.id}`.execute(
      database!.db,
    );
    await bumpLayers(database!.db, ['cases']);
    await page.evaluate(() => window.__wangge!.dispatch!.refresh());
    expect(await page.textContent('#dispatch [data-tab="overdue"] .count')).to.equal('1');
    await page.click('#dispatch [data-tab="overdue"]');
    const row = `#dispatch .case-row[data-id="${late.id}"]`;
    await page.waitForSelector(`${row}.late`);
    expect(await page.textContent(`${row} .deadline.late`)).to.equal('超期 3 小时');
    expect(await page.textContent(`${row} .tag-outside`)).to.equal('越界');
    expect(await page.$eval(`${row} .deadline`, (el) => getComputedStyle(el).color)).to.equal('rgb(201, 42, 42)');
    await page.click(row);
    await page.waitForSelector(`#dispatch .case-detail[data-id="${late.id}"] [data-field="grid"] .tag-outside`);
    await still();
    // The refresh saw a new case and reloaded the cases tiles: the point is drawn as overdue (red).
    await page.waitForFunction(
      (id) =>
        window
          .__wangge!.map.queryRenderedFeatures({ layers: ['case-point'] })
          .some((f) => f.properties.id === id && f.properties.overdue === true),
      late.id,
      { timeout: 15_000 },
    );
    const [r, g, b] = await page.evaluate(
      async ([lon, lat]) => {
        const w = window.__wangge!;
        const p = w.map.project([lon, lat]);
        return (await w.diagnostics()).pixelAt(w.map, p.x, p.y);
      },
      [100.0074, 20.0015],
    );
    expect(r > 180 && g < 110 && b < 110, `the overdue point is drawn red (${[r, g, b]})`).to.equal(true);
    await page.click('#dispatch [data-tab="pending"]');
    await page.screenshot({ path: path.join(RESULTS, 'dispatch-overdue.png') });
  });

  it('shows read-only users the queue without buttons and anonymous users no panel', async () => {
    const viewer = await createUser(database!.db, '只读小李', 'viewer');
    // A second case still in the 待处理 queue.
    const second = await api<CaseJson>(
      'POST',
      '/api/cases',
      {
        channel: 'collector',
        category: 'matter:06010',
        description: '又一处暴露垃圾',
        location: { lon: 100.0025, lat: 20.0015 },
      },
      201,
    );
    const p2 = await context!.newPage();
    try {
      await p2.goto(`${server!.url}/?viewer#token=${viewer.token}`);
      await p2.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
      await p2.waitForSelector('#dispatch[data-loaded]');
      expect(await p2.textContent('#dispatch .user')).to.equal('只读小李 · 只读用户（只读）');
      await p2.click(`#dispatch .case-row[data-id="${second.id}"]`);
      await p2.waitForSelector(`#dispatch .case-detail[data-id="${second.id}"]`);
      expect(await p2.locator('#dispatch .case-detail .actions').count()).to.equal(0);
      expect(await p2.locator('#dispatch .case-detail button[data-action]').count()).to.equal(0);
      expect(await p2.textContent('#dispatch .case-detail [data-field="grid"]')).to.contain('990001001002002');
      await p2.screenshot({ path: path.join(RESULTS, 'dispatch-viewer.png') });
    } finally {
      await p2.close();
    }
    const p3 = await context!.newPage();
    try {
      await p3.addInitScript(() => localStorage.removeItem('wangge.token'));
      await p3.goto(`${server!.url}/?anonymous`);
      await p3.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
      expect(
        await p3.evaluate(() => [
          document.body.dataset.state,
          !!document.querySelector('#dispatch'),
          window.__wangge!.dispatch,
        ]),
      ).to.deep.equal(['ready', false, null]);
      // The cases layer and the heat map are public.
      expect(await p3.isVisible('#heat-toggle')).to.equal(true);
    } finally {
      await p3.close();
    }
  });
});
