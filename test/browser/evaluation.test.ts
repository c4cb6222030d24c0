/**
 * The 综合评价 page (route #/evaluation) in chromium over the evaluation's hand-made case log
 * (test/evaluation/fixture.ts), signed in as a leader (viewer): the summary of March 2025 — every figure computed by
 * hand there — the monthly trend charts, the graded tables with their sorting, and CSV/XLSX downloads whose figures
 * match the API. Roles without the evaluation see neither the 评价 control nor the page.
 *
 * March 2025 by hand (fixture.ts, http.test.ts): K1–K7, K10, K11, K12 reported (10); filed all but K5 (voided) and K10
 * (only reported): 8; disposed K1 K2 K3 K4 K7 K11 (6), on time all but K2 (5); closed K1 K2 K7 K11 (4), on time K1 K7
 * K11 (3); reworked K3 (1) → 立案率 8/10 = 80.00 %, 处置率 6/8 = 75.00 %, 按期处置率 5/8 = 62.50 %, 结案率 4/8 = 50.00 %,
 * 按期结案率 3/8 = 37.50 %. February 2025: K8 alone (reported, filed; open) → 立案率 100 %, 结案率 0 %. April 2025: K9
 * alone (reported 00:00 on the 1st, accepted, not filed) → 立案率 0 %, 结案率 none (no filed case: null).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { createUser } from '../../server/auth/tokens.js';
import { RESULTS, useBrowserSuite } from '../helpers/browser.js';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { useEvaluationServer } from '../evaluation/fixture.js';

const MARCH = { from: '2025-03-01', to: '2025-04-01' };
const Q = `from=${MARCH.from}&to=${MARCH.to}`;

describe(`综合评价 page in chromium (${DRIVER}, hand-made case log)`, function () {
  this.timeout(240_000);
  const ui = useBrowserSuite('evaluation');
  const env = useEvaluationServer();
  let page: Page;
  let collector = '';

  const api = async <T = any>(p: string): Promise<T> => {
    const r = await request<T>(env.server, 'GET', p, { token: env.tokens.viewer });
    expect(r.status, `${p}: ${r.text}`).to.equal(200);
    return r.body;
  };
  /** A download straight from the API, as text with its BOM (Response.text() would drop it). */
  const apiText = async (p: string) => {
    const r = await fetch(env.server.url + p, { headers: { Authorization: `Bearer ${env.tokens.viewer}` } });
    return Buffer.from(await r.arrayBuffer()).toString('utf8');
  };
  const idle = () => page.evaluate(() => window.__wangge!.evaluation!.idle());
  /** The summary cards: label → shown value. */
  const cards = () =>
    page.$$eval('#evaluation .eval-card', (cs) =>
      cs.map((c) => [
        c.querySelector('.eval-card-label')!.textContent,
        c.querySelector('.eval-card-value')!.textContent,
      ]),
    );
  /** The table shown: its header labels and its rows' cell texts. */
  const table = () =>
    page.$eval('#evaluation .eval-table', (t) => ({
      head: [...t.querySelectorAll('thead th button')].map((b) => b.firstChild!.textContent),
      rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    }));
  /** Clicks a download button and returns the downloaded file's name and bytes. */
  const download = async (selector: string) => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    const file = await d.path();
    return { name: d.suggestedFilename(), bytes: fs.readFileSync(file!) };
  };
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);

  before(async () => {
    collector = (await createUser(env.database.db, '监督员赵', 'collector')).token;
    await ui.open(`${env.server.url}/#token=${env.tokens.viewer}`);
    page = ui.page;
  });

  it('a leader (viewer) has the 评价 control; it opens #/evaluation', async () => {
    expect(await page.locator('.evaluation-toggle').count()).to.equal(1);
    await page.click('.evaluation-toggle');
    await page.waitForSelector('#evaluation:not([hidden])');
    await idle();
    expect(await page.evaluate(() => location.hash)).to.match(/^#\/evaluation\?from=\d{4}-01-01&to=/);
  });

  it('shows the summary of March 2025 as computed by hand, the same figures as the API', async () => {
    await page.fill('#evaluation input[name="from"]', '2025-03-01');
    await page.fill('#evaluation input[name="to"]', '2025-03-31');
    await page.click('#evaluation .eval-period button[type="submit"]');
    await idle();
    expect(await page.evaluate(() => location.hash)).to.equal(`#/evaluation?${Q}`);
    expect(await page.textContent('#evaluation .eval-section h2 small')).to.equal('2025-03-01 至 2025-03-31');
    expect(await cards()).to.deep.equal([
      ['上报数', '10'],
      ['立案数', '8'],
      ['作废数', '1'],
      ['应处置数', '8'],
      ['处置数', '6'],
      ['按期处置数', '5'],
      ['应结案数', '8'],
      ['结案数', '4'],
      ['按期结案数', '3'],
      ['返工数', '1'],
      ['立案率', '80.00%'],
      ['处置率', '75.00%'],
      ['按期处置率', '62.50%'],
      ['结案率', '50.00%'],
      ['按期结案率', '37.50%'],
    ]);
    const s = await api(`/api/evaluation/summary?${Q}`);
    expect(s).to.include({ reported: 10, filed: 8, closed: 4, closed_on_time: 3, on_time_closure_rate: 3 / 8 });
    await page.screenshot({ path: path.join(RESULTS, 'evaluation-summary.png'), fullPage: true });
  });

  it('the summary CSV downloaded from the page has the API’s figures', async () => {
    const f = await download('#evaluation button[data-download="summary"][data-format="csv"]');
    expect(f.name).to.equal('wangge-evaluation-summary-2025-03-01_2025-04-01.csv');
    const text = f.bytes.toString('utf8');
    expect(text).to.equal(await apiText(`/api/evaluation/summary?${Q}&format=csv`));
    const [head, row] = parse(text.slice(1)) as string[][];
    const s = await api(`/api/evaluation/summary?${Q}`);
    const byHeader = Object.fromEntries(head.map((h, i) => [h, row[i]]));
    expect(byHeader).to.include({
      上报数: String(s.reported),
      立案数: String(s.filed),
      按期结案数: String(s.closed_on_time),
    });
    expect(byHeader['按期结案率']).to.equal(pct(s.on_time_closure_rate));
    // The page's cards carry the CSV's headers and values.
    expect((await cards()).map(([label, value]) => [label, value])).to.deep.equal(head.map((h, i) => [h, row[i]]));
  });

  it('monthly trend charts: one point per month of the period, each the month’s summary', async () => {
    await page.evaluate(() => window.__wangge!.evaluation!.open({ from: '2025-02-01', to: '2025-05-01' }));
    await idle();
    const series = await page.evaluate(() => window.__wangge!.evaluation!.page()!.series());
    expect(series).to.deep.include({
      上报数: [1, 10, 1],
      立案数: [1, 8, 0],
      结案数: [0, 4, 0],
      按期结案数: [0, 3, 0],
      立案率: [100, 80, 0],
      结案率: [0, 50, null],
      按期结案率: [0, 37.5, null],
      按期处置率: [0, 62.5, null],
    });
    // Drawn: the SVG renderer's bars (4 series × 3 months) and the x axis labels.
    const svg = await page.$eval('#evaluation [data-chart="counts"] svg', (s) => s.textContent);
    expect(svg).to.include('2025年2月').and.include('2025年3月').and.include('2025年4月');
    await page.evaluate(() => window.__wangge!.evaluation!.open({ from: '2025-03-01', to: '2025-04-01' }));
    await idle();
  });

  it('the department table: the API’s rows with grades, sortable; its CSV matches the API', async () => {
    const rows = (await api(`/api/evaluation/departments?${Q}`)).rows as Record<string, any>[];
    const t = await table();
    expect(t.head).to.deep.equal(parse((await apiText(`/api/evaluation/departments?${Q}&format=csv`)).slice(1))[0]);
    expect(t.rows.map((r) => [r[0], r[14], r[15]])).to.deep.equal(
      rows.map((r) => [r.department_code, r.score.toFixed(2), r.grade]),
    );
    // By hand (tables.test.ts): CG 20 E, HW 72 C, SZ 80 B.
    expect(t.rows.map((r) => [r[0], r[15]])).to.deep.equal([
      ['CG', 'E'],
      ['HW', 'C'],
      ['SZ', 'B'],
    ]);
    expect(t.rows[1][12]).to.equal(pct(3 / 5)); // HW 结案率
    await page.click('#evaluation .eval-table th[data-key="score"] button');
    expect((await table()).rows.map((r) => r[0])).to.deep.equal(['SZ', 'HW', 'CG']);
    expect(await page.getAttribute('#evaluation .eval-table th[data-key="score"]', 'aria-sort')).to.equal('descending');
    await page.click('#evaluation .eval-table th[data-key="score"] button');
    expect((await table()).rows.map((r) => r[0])).to.deep.equal(['CG', 'HW', 'SZ']);
    const f = await download('#evaluation .eval-section button[data-download="departments"][data-format="csv"]');
    expect(f.name).to.equal('wangge-evaluation-departments-2025-03-01_2025-04-01.csv');
    const csv = parse(f.bytes.toString('utf8').slice(1)) as string[][];
    expect(csv.slice(1).map((r) => [r[0], r[14], r[15]])).to.deep.equal(
      rows.map((r) => [r.department_code, r.score.toFixed(2), r.grade]),
    );
  });

  it('every table’s headers are the CSV’s; XLSX downloads too', async () => {
    const check = async (tab: string, sub: string | null, apiPath: string, block = 0) => {
      await page.click(`#evaluation .eval-tabs button[data-tab="${tab}"]`);
      if (sub) await page.click(`#evaluation .eval-subtabs button[data-sub="${sub}"]`);
      await idle();
      const t = await table();
      const csv = (await apiText(`${apiPath}&format=csv`)).slice(1);
      // posts: three tables, each under its title line, a blank line between
      const blocks = csv.split('\r\n\r\n').map((b) => parse(b, { relax_column_count: true }) as string[][]);
      const lines = block ? blocks[block - 1].slice(1) : blocks[0];
      expect(t.head, `${tab} ${sub ?? ''}`).to.deep.equal(lines[0]);
      expect(t.rows.length, `${tab} ${sub ?? ''} rows`).to.equal(Math.max(1, lines.length - 1));
    };
    await check('collectors', null, `/api/evaluation/collectors?${Q}`);
    await check('regions', 'street', `/api/evaluation/regions?${Q}&level=street`);
    await check('regions', 'community', `/api/evaluation/regions?${Q}&level=community`);
    await check('regions', 'grid', `/api/evaluation/regions?${Q}&level=grid`);
    await check('posts', 'acceptors', `/api/evaluation/posts?${Q}`, 1);
    await check('posts', 'shift_leaders', `/api/evaluation/posts?${Q}`, 2);
    await check('posts', 'dispatchers', `/api/evaluation/posts?${Q}`, 3);
    const x = await download('#evaluation .eval-section button[data-download="posts"][data-format="xlsx"]');
    expect(x.name).to.equal('wangge-evaluation-posts-2025-03-01_2025-04-01.xlsx');
    expect(x.bytes.subarray(0, 2).toString('latin1')).to.equal('PK');
    await page.click('#evaluation .eval-tabs button[data-tab="regions"]');
    await page.click('#evaluation .eval-subtabs button[data-sub="community"]');
    await idle();
    const r = await download('#evaluation .eval-section button[data-download="regions"][data-format="csv"]');
    expect(r.name).to.equal('wangge-evaluation-regions-community-2025-03-01_2025-04-01.csv');
    expect(r.bytes.toString('utf8')).to.equal(await apiText(`/api/evaluation/regions?${Q}&level=community&format=csv`));
  });

  it('返回地图 leaves the page; the browser’s back button returns to it', async () => {
    await page.click('#evaluation .eval-back');
    expect(await page.isHidden('#evaluation')).to.equal(true);
    expect(await page.evaluate(() => location.hash)).to.equal('');
    await page.goBack();
    await page.waitForSelector('#evaluation:not([hidden])');
  });

  it('the columns are the server’s (GET /api/evaluation/columns), not retyped: a changed header shows', async () => {
    await page.route('**/api/evaluation/columns', async (route) => {
      const response = await route.fetch();
      const json = (await response.json()) as { departments: { key: string; header: string }[] };
      json.departments.find((c) => c.key === 'department_name')!.header = '部门名称（服务器）';
      await route.fulfill({ response, json });
    });
    await page.goto('about:blank');
    await page.goto(`${env.server.url}/#token=${env.tokens.viewer}`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
    await page.evaluate(() => window.__wangge!.evaluation!.open({ from: '2025-03-01', to: '2025-04-01' }));
    await idle();
    await page.click('#evaluation .eval-tabs button[data-tab="departments"]');
    await idle();
    expect((await table()).head.slice(0, 3)).to.deep.equal(['部门代码', '部门名称（服务器）', '应处置数']);
    await page.unroute('**/api/evaluation/columns');
  });

  it('shows no 评价 and no page to a role that may not read the evaluation (a collector)', async () => {
    await page.goto('about:blank');
    await page.goto(`${env.server.url}/#token=${collector}`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
    await page.goto(`${env.server.url}/#/evaluation`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
    expect(await page.evaluate(() => window.__wangge!.evaluation)).to.equal(null);
    expect(await page.locator('.evaluation-toggle').count()).to.equal(0);
    expect(await page.locator('#evaluation').count()).to.equal(0);
  });
});
