/**
 * Debian's chromium (WebGL2 on SwiftShader) driven by playwright-core, for the browser tests.
 *
 * WANGGE_BROWSER_TESTS: unset → run when chromium exists, else skip with a notice; `skip` → skip; `require` → fail
 * when chromium is missing. CHROMIUM_PATH overrides /usr/bin/chromium. Screenshots go to test-results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RESULTS = path.join(ROOT, 'test-results');
const MODE = process.env.WANGGE_BROWSER_TESTS ?? '';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Why the browser tests are skipped, or null when they run. Throws when they are required but cannot run. */
export function skipReason(): string | null {
  if (MODE === 'skip') return 'WANGGE_BROWSER_TESTS=skip';
  const have = fs.existsSync(CHROMIUM);
  if (MODE === 'require' && !have) {
    throw new Error(`WANGGE_BROWSER_TESTS=require but ${CHROMIUM} was not found (apt-get install chromium)`);
  }
  return have ? null : `${CHROMIUM} not found (apt-get install chromium)`;
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Console errors from URLs matching this are expected (a test provoking a 4xx sets it, then clears it). */
  ignore: RegExp | null;
  /** Console errors and uncaught exceptions since the last call. */
  takeErrors(): string[];
  close(): Promise<void>;
}

/** A fresh persistent context (1280 × 800, zh-CN) with a page whose console errors are collected. */
export async function openBrowser(): Promise<BrowserSession> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  let errors: string[] = [];
  const session: BrowserSession = {
    context,
    page,
    ignore: null,
    takeErrors: () => {
      const e = errors;
      errors = [];
      return e;
    },
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location().url ?? '';
    if (/favicon/.test(where) || /favicon/.test(msg.text())) return;
    if (session.ignore && session.ignore.test(where)) return;
    errors.push(`console.error: ${msg.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  fs.mkdirSync(RESULTS, { recursive: true });
  return session;
}

export interface BrowserSuite {
  /** The page (after `open`). */
  readonly page: Page;
  readonly session: BrowserSession;
  /** Launches the browser on the first call, loads `url` and waits until the map is ready. */
  open(url: string): Promise<void>;
}

/**
 * The frame every browser suite shares; call it first inside `describe()`. The suite is skipped (with a notice) when
 * chromium is missing; after each test a failed one leaves a screenshot `<name>-<title>.png` in test-results and the
 * page console must be free of errors; the browser is closed at the end.
 */
export function useBrowserSuite(name: string): BrowserSuite {
  let session: BrowserSession | undefined;
  before(function () {
    const reason = skipReason();
    if (reason) {
      console.log(`NOTICE: browser tests skipped: ${reason}`);
      this.skip();
    }
  });
  afterEach(async function () {
    if (!session || this.currentTest?.state === 'pending') return;
    if (this.currentTest?.state === 'failed')
      await session.page.screenshot({ path: path.join(RESULTS, `${name}-${this.currentTest.title.slice(0, 20)}.png`) });
    expect(session.takeErrors(), 'errors in the page console').to.deep.equal([]);
  });
  after(async () => {
    await session?.close();
  });
  return {
    get page() {
      return session!.page;
    },
    get session() {
      return session!;
    },
    async open(url) {
      session ??= await openBrowser();
      await session.page.goto(url);
      await session.page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
      expect(await session.page.evaluate(() => document.body.dataset.state)).to.equal('ready');
    },
  };
}
