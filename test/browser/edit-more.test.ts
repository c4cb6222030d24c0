/**
 * The rest of the editing mode (编辑) in chromium over the micro-city, signed in as a gis_editor (edit.test.ts has
 * split, vertex drag, drafts, merge, rename, history): 退役 (a grid's area to the neighbour picked on the map),
 * 移至社区 (a new code in the neighbouring community), 在空白处新建 (a grid drawn over a gap, clipped to it), 放弃 (a
 * draft discarded, asked twice), and a stale view (412: another editor changed the grid or the draft since the page
 * read it — refused, reloaded, the retry goes through). Each edit moves an open case, checked through the API; codes
 * are checked through the API and the grid tiles. Runs when chromium exists (see test/helpers/browser.ts).
 */
import path from 'node:path';
import { expect } from 'chai';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { createUser } from '../../server/auth/tokens.js';
import { bumpLayers } from '../../server/db/write.js';
import { RESULTS, useBrowserSuite } from '../helpers/browser.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { useMicroCityServer } from '../helpers/micro-server.js';

type LonLat = [number, number];
type GridJson = {
  properties: { version: number; name: string; community_code: string; area_m2: number };
  geometry: { type: string; coordinates: unknown };
};

/** A micro-city cell (0.001° × 0.001°) at lat 20.0015, in m². */
const CELL_M2 = 0.001 * 0.001 * 111_320 * Math.cos((20.0015 * Math.PI) / 180) * 110_574;

/** The outer ring of a (multi)polygon's first part, without its closing point. */
const outerRing = (g: { type: string; coordinates: unknown }) =>
  (g.type === 'MultiPolygon' ? (g.coordinates as LonLat[][][])[0][0] : (g.coordinates as LonLat[][])[0]).slice(0, -1);

describe(`editing mode (编辑) in chromium: retire, move, create, discard, stale views (${DRIVER}, micro-city)`, function () {
  this.timeout(240_000);
  const ui = useBrowserSuite('edit-more');
  const env = useMicroCityServer();
  let page: Page;
  let token = '';
  /** Another gis_editor, editing through the API while the page holds what it read before. */
  let other = '';
  let dispatcher = '';

  const api = async <T>(
    method: string,
    p: string,
    body?: unknown,
    status = 200,
    as = token,
    headers: Record<string, string> = {},
  ): Promise<T> => {
    const res = await request<T>(env.server, method, p, { token: as, body: body || undefined, headers });
    expect(res.status, `${method} ${p}: ${res.text}`).to.equal(status);
    return res.body;
  };
  const grid = (code: string) => api<GridJson>('GET', `/api/grids/${code}`);
  const gone = async (code: string) =>
    expect((await request(env.server, 'GET', `/api/grids/${code}`)).status).to.equal(404);
  /** Reports a case at a point (as a dispatcher); answers its id and the grid it was placed in. */
  const report = async (at: LonLat) => {
    const c = await api<{ id: number; assignment: { grid: { code: string } | null } }>(
      'POST',
      '/api/cases',
      { channel: 'collector', category: 'matter:06010', description: '暴露垃圾', location: { lon: at[0], lat: at[1] } },
      201,
      dispatcher,
    );
    return { id: c.id, grid: c.assignment.grid?.code ?? null };
  };
  const caseGrid = async (id: number) =>
    (
      await api<{ assignment: { grid: { code: string } | null } }>(
        'GET',
        `/api/cases/${id}`,
        undefined,
        200,
        dispatcher,
      )
    ).assignment.grid?.code ?? null;

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
  const idle = () => page.evaluate(() => window.__wangge!.edit!.idle());
  const settle = () => page.evaluate(() => window.__wangge!.settle());
  const view = (center: LonLat, zoom = 17.5) =>
    page.evaluate(([c, z]) => window.__wangge!.map.jumpTo({ center: c as LonLat, zoom: z as number }), [center, zoom]);
  /** Waits until the grid tiles draw `code` (null: no grid) at a position. */
  const tileCodeAt = (p: LonLat, code: string | null) =>
    page.waitForFunction(
      ([[lon, lat], want]) => {
        const map = window.__wangge!.map;
        const s = map.project([lon as number, lat as number]);
        const hits = map.queryRenderedFeatures([s.x, s.y], { layers: ['grid-fill'] });
        return (hits.length ? String(hits[0].properties.code) : null) === want;
      },
      [p, code] as const,
      { timeout: 20_000 },
    );
  const selectOnMap = async (code: string, at: LonLat) => {
    await click(at);
    await page.waitForSelector(`#edit .edit-grid[data-code="${code}"]`);
    await idle();
  };
  const message = () => page.textContent('#edit [data-field="message"]');
  const waitMessage = (re: RegExp) =>
    page.waitForFunction(
      (src) => new RegExp(src).test(document.querySelector('#edit [data-field="message"]')?.textContent ?? ''),
      re.source,
    );
  const steps = () => page.$$eval('#edit .edit-steps li', (lis) => lis.map((li) => li.textContent));
  const draftOptions = () => page.$$eval('#edit [data-field="target"] option', (os) => os.map((o) => o.textContent));
  /** Runs `fn` while console errors for requests matching `re` are expected (a provoked 412). */
  const expecting = async (re: RegExp, fn: () => Promise<void>) => {
    ui.session.ignore = re;
    try {
      await fn();
    } finally {
      ui.session.ignore = null;
    }
  };

  before(async () => {
    ({ token } = await createUser(env.database.db, 'GIS编辑小王', 'gis_editor'));
    ({ token: other } = await createUser(env.database.db, 'GIS编辑老张', 'gis_editor'));
    ({ token: dispatcher } = await createUser(env.database.db, '调度员小李', 'dispatcher'));
    // A gap for 在空白处新建: the centre cell (4,1) of 公园社区 loses its grid, as a bad import might leave it (no
    // edit opens a gap: test/gridedit/drafts.test.ts opens it the same way); its tiles are invalidated with it.
    await sql`update unit_grid set termination_date = current_date
      where code = '990001002001002' and termination_date is null`.execute(env.database.db);
    await bumpLayers(env.database.db, ['grids']);
    await ui.open(`${env.server.url}/#token=${token}`);
    page = ui.page;
    await page.click('.edit-toggle');
    await page.waitForSelector('#edit:not([hidden])');
    await idle();
  });

  it('退役: retires a grid into the neighbour picked on the map; its area and its case go there', async () => {
    const caseAt: LonLat = [100.0065, 20.0015];
    const c = await report(caseAt);
    expect(c.grid).to.equal('990001002002002');
    const into = await grid('990001002002001');
    const retired = await grid('990001002002002');
    await view([100.0065, 20.0015]);
    await settle();
    await tileCodeAt(caseAt, '990001002002002');
    await selectOnMap('990001002002002', caseAt);
    await page.click('#edit button[data-tool="retire"]');
    expect(await page.textContent('#edit [data-tool="retire"] .edit-hint')).to.equal(
      '单击接收该网格面积的相邻网格，然后确认。',
    );
    expect(await page.textContent('#edit [data-field="picked"]')).to.equal('（尚未选择）');
    // The multipolygon 河东两岸网格: its northern part.
    await click([100.0065, 20.0025]);
    await page.waitForFunction(
      () => document.querySelector('#edit [data-field="picked"]')?.textContent === '990001002002001',
    );
    await page.click('#edit [data-tool="retire"] button[data-action="confirm"]');
    await waitMessage(/退役/);
    await idle();
    expect(await message()).to.equal('已发布：退役 990001002002002（面积并入 990001002002001）；重新分派案件 1 件');
    // The panel goes on with the grid that took the area.
    expect(await page.getAttribute('#edit .edit-grid', 'data-code')).to.equal('990001002002001');
    await gone('990001002002002');
    const after = await grid('990001002002001');
    expect(after.properties.version).to.equal(into.properties.version + 1);
    expect(after.properties.area_m2).to.be.closeTo(into.properties.area_m2 + retired.properties.area_m2, 0.5);
    expect(after.properties.area_m2).to.be.closeTo(3 * CELL_M2, CELL_M2 * 0.01);
    expect(await caseGrid(c.id)).to.equal('990001002002001');
    await tileCodeAt(caseAt, '990001002002001');
    await page.screenshot({ path: path.join(RESULTS, 'edit-retire.png') });
  });

  it('移至社区: moves a grid to a neighbouring community: a new code there, its case follows', async () => {
    const caseAt: LonLat = [100.0025, 20.0025];
    const c = await report(caseAt);
    expect(c.grid).to.equal('990001001002001');
    const before = await grid('990001001002001');
    await view([100.0025, 20.0022]);
    await settle();
    await selectOnMap('990001001002001', caseAt);
    await page.click('#edit button[data-tool="move"]');
    // Every community but its own (西湖社区).
    expect(
      await page.$$eval('#edit [data-tool="move"] [data-field="community"] option', (os) =>
        os.map((o) => o.textContent),
      ),
    ).to.deep.equal(['东湖社区（990001001001）', '公园社区（990001002001）', '河东社区（990001002002）']);
    await page.selectOption('#edit [data-tool="move"] [data-field="community"]', '990001001001');
    await page.click('#edit [data-tool="move"] button[data-action="confirm"]');
    await waitMessage(/移至社区/);
    await idle();
    expect(await message()).to.equal(
      '已发布：移至社区 990001001001：990001001002001 → 990001001001007；重新分派案件 1 件',
    );
    expect(await page.getAttribute('#edit .edit-grid', 'data-code')).to.equal('990001001001007');
    expect(await page.textContent('#edit .edit-grid [data-field="name"]')).to.equal('西湖社区第1网格');
    await gone('990001001002001');
    const moved = await grid('990001001001007');
    expect(moved.properties.community_code).to.equal('990001001001');
    expect(moved.properties.name).to.equal('西湖社区第1网格');
    expect(moved.properties.area_m2).to.be.closeTo(before.properties.area_m2, 0.5);
    expect(outerRing(moved.geometry)).to.have.deep.members(outerRing(before.geometry));
    const located = await api<{ community: { code: string }; grid: { code: string } }>(
      'GET',
      `/api/locate?lon=${caseAt[0]}&lat=${caseAt[1]}`,
    );
    expect([located.community.code, located.grid.code]).to.deep.equal(['990001001001', '990001001001007']);
    expect(await caseGrid(c.id)).to.equal('990001001001007');
    await tileCodeAt(caseAt, '990001001001007');
  });

  it('在空白处新建: draws a grid over a gap: clipped to the gap, the next code, the case there placed in it', async () => {
    const gapAt: LonLat = [100.0045, 20.0015];
    const c = await report(gapAt);
    expect(c.grid).to.equal(null);
    await view(gapAt);
    await settle();
    // The gap is empty in the tiles; the ring grid around it is there.
    await tileCodeAt(gapAt, null);
    await tileCodeAt([100.0045, 20.0025], '990001002001001');
    await page.click('#edit button[data-action="create"]');
    expect(await page.textContent('#edit .edit-create .edit-hint')).to.equal(
      '在空白处单击各个角点画出网格，单击起点或按回车闭合。',
    );
    // Drawn over the gap and over the ring grid around it.
    for (const p of [
      [100.0038, 20.0008],
      [100.0052, 20.0008],
      [100.0052, 20.0022],
      [100.0038, 20.0022],
    ] as LonLat[])
      await click(p);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#edit .edit-create[data-tool="create"] [data-field="create-name"]');
    await page.fill('#edit .edit-create [data-field="create-name"]', '公园中心');
    await page.selectOption('#edit .edit-create [data-field="community"]', '990001002001');
    await page.click('#edit .edit-create button[data-action="confirm"]');
    await waitMessage(/新建/);
    await idle();
    expect(await message()).to.equal('已发布：新建 990001002001003（990001002001）；重新分派案件 1 件');
    expect(await page.getAttribute('#edit .edit-grid', 'data-code')).to.equal('990001002001003');
    expect(await page.textContent('#edit .edit-grid [data-field="name"]')).to.equal('公园中心');
    const made = await grid('990001002001003');
    expect(made.properties).to.include({ community_code: '990001002001', name: '公园中心', version: 1 });
    // Exactly the gap: the cell (4,1), as large as the cell (2,1) of the same row.
    expect(made.properties.area_m2).to.be.closeTo((await grid('990001001002002')).properties.area_m2, 0.5);
    expect(outerRing(made.geometry)).to.have.deep.members([
      [100.004, 20.001],
      [100.005, 20.001],
      [100.005, 20.002],
      [100.004, 20.002],
    ]);
    expect((await grid('990001002001001')).properties.version).to.equal(1);
    expect(await caseGrid(c.id)).to.equal('990001002001003');
    await tileCodeAt(gapAt, '990001002001003');
    await page.screenshot({ path: path.join(RESULTS, 'edit-create.png') });
  });

  it('放弃: discards a draft, asked twice: the draft is gone from the list, the boundaries unchanged', async () => {
    for (const name of ['东湖调整', '西湖试拆']) {
      await page.fill('#edit [data-field="draft-name"]', name);
      await page.click('#edit button[data-action="new-draft"]');
      await page.waitForFunction(
        (n) => document.querySelector('#edit .edit-draft .section-title')?.textContent?.includes(n),
        name,
      );
      await idle();
    }
    expect(await draftOptions()).to.deep.equal([
      '直接编辑（立即发布）',
      '草稿「东湖调整」（0 步）',
      '草稿「西湖试拆」（0 步）',
    ]);
    const before = await grid('990001001002002');
    const west: LonLat = [100.0022, 20.0015];
    const east: LonLat = [100.0028, 20.0015];
    await view([100.0025, 20.0015]);
    await settle();
    await selectOnMap('990001001002002', west);
    await page.click('#edit button[data-tool="split"]');
    await click([100.0025, 20.0008]);
    await click([100.0025, 20.0022]);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#edit .edit-steps li[data-op="split"]');
    await idle();
    expect(await steps()).to.deep.equal(['拆分 990001001002002 → 990001001002004、990001001002005']);
    const id = Number(await page.getAttribute('#edit .edit-draft', 'data-id'));

    await page.click('#edit button[data-action="discard"]');
    expect(await page.textContent('#edit button[data-action="discard"]')).to.equal('确认放弃？');
    // Asked, not yet done: the draft is still there.
    await api('GET', `/api/grid-drafts/${id}`);
    await page.click('#edit button[data-action="discard"]');
    await waitMessage(/已放弃/);
    await idle();
    expect(await message()).to.equal('草稿「西湖试拆」已放弃。');
    expect(await page.locator('#edit .edit-draft').count()).to.equal(0);
    expect(await page.$eval('#edit [data-field="target"]', (s) => (s as HTMLSelectElement).value)).to.equal('direct');
    expect(await draftOptions()).to.deep.equal(['直接编辑（立即发布）', '草稿「东湖调整」（0 步）']);
    expect(await page.evaluate(() => window.__wangge!.map.querySourceFeatures('edit-draft').length)).to.equal(0);
    const drafts = await api<{ items: { name: string; steps: number }[] }>('GET', '/api/grid-drafts');
    expect(drafts.items.map((d) => [d.name, d.steps])).to.deep.equal([['东湖调整', 0]]);
    expect((await request(env.server, 'GET', `/api/grid-drafts/${id}`, { token })).status).to.equal(404);
    // The boundaries as they were: the grid unchanged, the split's codes never made, the tiles the same.
    const after = await grid('990001001002002');
    expect(after.properties.version).to.equal(before.properties.version);
    expect(outerRing(after.geometry)).to.deep.equal(outerRing(before.geometry));
    await gone('990001001002004');
    await gone('990001001002005');
    await tileCodeAt(west, '990001001002002');
    await tileCodeAt(east, '990001001002002');
  });

  it('412: another editor moved a vertex of the grid since the page read it: refused, the grid and the tiles reload, the retry goes through', async () => {
    await page.selectOption('#edit [data-field="target"]', 'direct');
    await idle();
    await view([100.001, 20.0022]);
    await settle();
    await selectOnMap('990001001001001', [100.0005, 20.0025]);
    expect(await page.evaluate(() => window.__wangge!.edit!.view().grid?.version)).to.equal(1);
    // Meanwhile 老张 moves the corner 001 shares with 002, 003 and 004 north-east (a point of 002 goes to 003).
    const probe: LonLat = [100.0011, 20.00205];
    await tileCodeAt(probe, '990001001001002');
    const moved = await api<{ summary: { changed: string[] } }>(
      'POST',
      '/api/grids/990001001001001/reshape',
      { action: 'move', at: [100.001, 20.002], to: [100.0013, 20.0023] },
      200,
      other,
      { 'If-Match': '"1"' },
    );
    expect(moved.summary.changed).to.have.members([
      'grid:990001001001001',
      'grid:990001001001002',
      'grid:990001001001003',
      'grid:990001001001004',
    ]);
    // The page still has version 1: its rename is refused.
    await page.click('#edit button[data-tool="rename"]');
    await page.fill('#edit [data-field="new-name"]', '东湖一号网格');
    await expecting(/\/api\/grids\/990001001001001/, async () => {
      await page.click('#edit [data-tool="rename"] button[data-action="confirm"]');
      await waitMessage(/他人/);
      await idle();
    });
    expect(await message()).to.equal('数据已被他人修改，已重新加载，请重试。');
    expect((await grid('990001001001001')).properties.name).to.equal('东湖社区第1网格');
    // Reloaded: the grid's new version and corner in the panel, the other editor's boundaries in the tiles.
    const v = await page.evaluate(() => {
      const e = window.__wangge!.edit!.view();
      return { code: e.grid?.code, version: e.grid?.version, name: e.grid?.name };
    });
    expect(v).to.deep.equal({ code: '990001001001001', version: 2, name: '东湖社区第1网格' });
    // The vertex editor's handles (terra-draw's selection points): the corners as 老张 left them.
    const handles = await page.evaluate(() =>
      window
        .__wangge!.map.querySourceFeatures('td-point')
        .filter((f) => f.properties.selectionPoint)
        .map((f) => (f.geometry as { coordinates: number[] }).coordinates.map((x) => Math.round(x * 1e6) / 1e6).join()),
    );
    expect([...new Set(handles)]).to.have.members(['100,20.002', '100.0013,20.0023', '100.001,20.003', '100,20.003']);
    await tileCodeAt(probe, '990001001001003');
    // The retry, on version 2.
    await page.click('#edit button[data-tool="rename"]');
    await page.fill('#edit [data-field="new-name"]', '东湖一号网格');
    await page.click('#edit [data-tool="rename"] button[data-action="confirm"]');
    await waitMessage(/改名/);
    await idle();
    expect(await message()).to.equal('已发布：改名 990001001001001：东湖社区第1网格 → 东湖一号网格；重新分派案件 0 件');
    const renamed = await grid('990001001001001');
    expect([renamed.properties.name, renamed.properties.version]).to.deep.equal(['东湖一号网格', 3]);
    expect(await page.textContent('#edit .edit-grid [data-field="name"]')).to.equal('东湖一号网格');
  });

  it('412: another editor added a step to the open draft: 撤销 is refused, the draft reloads, 撤销 again undoes theirs', async () => {
    const id = (await api<{ items: { id: number; name: string }[] }>('GET', '/api/grid-drafts')).items.find(
      (d) => d.name === '东湖调整',
    )!.id;
    await page.selectOption('#edit [data-field="target"]', String(id));
    await page.waitForSelector(`#edit .edit-draft[data-id="${id}"]`);
    await idle();
    await view([100.0015, 20.0015]);
    await settle();
    await selectOnMap('990001001001004', [100.0017, 20.0013]);
    await page.click('#edit button[data-tool="rename"]');
    await page.fill('#edit [data-field="new-name"]', '东湖四号网格');
    await page.click('#edit [data-tool="rename"] button[data-action="confirm"]');
    await page.waitForSelector('#edit .edit-steps li[data-op="rename"]');
    await idle();
    expect(await steps()).to.deep.equal(['改名 990001001001004：东湖社区第4网格 → 东湖四号网格']);
    expect(await page.getAttribute('#edit .edit-draft', 'data-version')).to.equal('2');
    // 老张 renames another grid in the same draft.
    await api('PATCH', `/api/grids/990001001001006?draft=${id}`, { name: '东湖六号网格' }, 200, other, {
      'If-Match': '"2"',
    });
    await expecting(/\/api\/grid-drafts\/\d+\/undo/, async () => {
      await page.click('#edit button[data-action="undo"]');
      await waitMessage(/他人/);
      await idle();
    });
    expect(await message()).to.equal('草稿已被他人修改，已重新加载，请重试。');
    expect(await steps()).to.deep.equal([
      '改名 990001001001004：东湖社区第4网格 → 东湖四号网格',
      '改名 990001001001006：东湖社区第6网格 → 东湖六号网格',
    ]);
    expect(await page.getAttribute('#edit .edit-draft', 'data-version')).to.equal('3');
    expect(await draftOptions()).to.deep.equal(['直接编辑（立即发布）', '草稿「东湖调整」（2 步）']);
    await page.click('#edit button[data-action="undo"]');
    await waitMessage(/已撤销/);
    await idle();
    expect(await steps()).to.deep.equal(['改名 990001001001004：东湖社区第4网格 → 东湖四号网格']);
    const d = await api<{ version: number; step_list: { op: string; summary: { code: string } }[] }>(
      'GET',
      `/api/grid-drafts/${id}`,
    );
    expect([d.version, d.step_list.map((s) => s.summary.code)]).to.deep.equal([4, ['990001001001004']]);
    // A draft is invisible: the live grids keep their names.
    expect((await grid('990001001001004')).properties.name).to.equal('东湖社区第4网格');
    expect((await grid('990001001001006')).properties.name).to.equal('东湖社区第6网格');
  });
});
