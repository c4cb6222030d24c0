/**
 * The README's promise: `npm start` on an empty database migrates, loads the demo city, creates an admin, prints the
 * URL and hands out the token once — printed on a terminal, else written to DATA_DIR/admin-token (0600) and never
 * into the log; a restart keeps the data and gives no new token.
 */
import { expect } from 'chai';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../../server/db/index.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { childEnv, spawnTs } from '../helpers/run.js';

interface Started {
  child: ChildProcess;
  url: string;
  tokenFile?: string;
  log: { text: string };
}

/** Starts server/main.ts; `log.text` keeps growing (pino writes asynchronously: read it after the process ends). */
function startMain(env: NodeJS.ProcessEnv): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawnTs('server/main.ts', [], env);
    const log = { text: '' };
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in time:\n${output}`)), 170_000);
    const onData = (d: Buffer) => {
      output += d;
      log.text += d;
      const url = /wangge is running: (http:\S+)/.exec(output)?.[1];
      if (url && /wangge is running: .*\n( {2}admin token.*\n)?\n/.test(output)) {
        clearTimeout(timer);
        resolve({ child, url, tokenFile: /admin token written to (\S+) \(mode 0600;/.exec(output)?.[1], log });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => {
      output += d;
      log.text += d;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('close', (code) => resolve(code)); // 'close' comes after the last output
    child.kill('SIGTERM');
  });
}

describe(`npm start (${DRIVER})`, function () {
  this.timeout(400_000);
  let database: Database & { url?: string };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-start-'));
  let env: NodeJS.ProcessEnv;

  before(async () => {
    database = await openTestDatabase();
    env = childEnv(database, { DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    if (database.url === undefined) await database.close();
  });
  after(async () => {
    if (database.url !== undefined) await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads the demo city, prints the URL, writes the admin token to a 0600 file (stdout is no terminal), shuts down cleanly', async () => {
    const first = await startMain(env);
    // eslint-disable-next-line no-useless-assignment -- read after the finally block, also when an expectation failed
    let token = '';
    try {
      expect(first.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(first.tokenFile).to.equal(path.join(dir, 'admin-token'));
      expect(fs.statSync(first.tokenFile!).mode & 0o777).to.equal(0o600);
      token = fs.readFileSync(first.tokenFile!, 'utf8').trim();
      expect(token).to.match(/^wg_[A-Za-z0-9_-]{32}$/);
      const health = (await request(first.url, 'GET', 'api/health')).body;
      expect(health).to.deep.include({ status: 'ok', driver: DRIVER });
      const me = (await request(first.url, 'GET', 'api/me', { token })).body;
      expect(me).to.include({ name: 'admin', role: 'admin' });
      const streets = (await request(first.url, 'GET', 'api/regions?level=street&geometry=false')).body;
      expect(streets.features.length).to.be.within(3, 5);
      const page = (await request(first.url, 'GET', 'api/grids?limit=1')).body;
      expect(page.features[0].id).to.match(/^990101\d{9}$/);
      const html = (await request(first.url, 'GET', '')).text;
      expect(html).to.contain('<html');
      // …with its dispatch data: departments, and a year of cases replayed through intake and workflow.
      const departments = (await request(first.url, 'GET', 'api/departments')).body;
      expect(departments.length).to.be.greaterThan(10);
      const cases = (await request(first.url, 'GET', 'api/cases?state=closed&limit=1', { token })).body;
      expect(cases.items[0].events ?? cases.items[0].state).to.equal('closed');
    } finally {
      expect(await stop(first.child)).to.equal(0);
    }
    expect(first.log.text).to.match(/loaded the demo city: \d streets, \d+ communities, \d+ unit grids/);
    expect(first.log.text).not.to.contain(token); // the token never reaches the log (stdout and stderr)
    expect(first.log.text).not.to.contain(token.slice(3, 20));
    fs.rmSync(first.tokenFile!);
    const second = await startMain(env);
    try {
      expect(second.tokenFile).to.equal(undefined);
      expect(fs.existsSync(path.join(dir, 'admin-token'))).to.equal(false);
      const me = await request(second.url, 'GET', 'api/me', { token });
      expect(me.status).to.equal(200);
    } finally {
      expect(await stop(second.child)).to.equal(0);
    }
    expect(second.log.text).to.contain('SIGTERM: shutting down'); // the log was flushed…
    expect(second.log.text).not.to.contain('loaded the demo city'); // …and the demo city was not loaded again
  });

  it('without a terminal (and without the demo city) writes the token to DATA_DIR/admin-token, 0600, and never logs it', async () => {
    // A fresh database for the child: a new PostgreSQL database on pg; on PGlite the child makes its own in DATA_DIR.
    const fresh = DRIVER === 'pg' ? await openTestDatabase() : ({} as Database & { url?: string });
    const pipeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-pipe-'));
    const pipeEnv = childEnv(fresh, {
      DATA_DIR: pipeDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      DEMO_CITY: 'false',
    });
    try {
      const s = await startMain(pipeEnv);
      const file = path.join(pipeDir, 'admin-token');
      let token = '';
      try {
        expect(s.tokenFile).to.equal(file);
        expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
        token = fs.readFileSync(file, 'utf8').trim();
        expect(token).to.match(/^wg_[A-Za-z0-9_-]{32}$/);
        // A request with the token, logged at debug level: neither the header nor the token is in the log.
        expect((await request(s.url, 'GET', 'api/me', { token })).status).to.equal(200);
      } finally {
        expect(await stop(s.child)).to.equal(0);
      }
      expect(s.log.text).to.contain('"msg":"request"');
      expect(s.log.text).to.contain(`admin token written to ${file}`);
      expect(s.log.text).not.to.contain(token);
      expect(s.log.text).not.to.contain(token.slice(3, 20));
      expect(s.log.text.toLowerCase()).not.to.contain('bearer');
    } finally {
      if (fresh.url !== undefined) await fresh.close();
      fs.rmSync(pipeDir, { recursive: true, force: true });
    }
  });

  it('on a terminal prints the admin token once and writes no file', async function () {
    if (!fs.existsSync('/usr/bin/script')) this.skip(); // util-linux script(1) gives the server a pseudo-terminal
    const fresh = DRIVER === 'pg' ? await openTestDatabase() : ({} as Database & { url?: string });
    const ttyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-tty-'));
    const ttyEnv = childEnv(fresh, {
      DATA_DIR: ttyDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DEMO_CITY: 'false',
    });
    try {
      const child = spawn(
        '/usr/bin/script',
        ['-qfec', `exec ${process.execPath} --import tsx server/main.ts`, '/dev/null'],
        { env: ttyEnv, stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
      const deadline = Date.now() + 170_000;
      while (!/admin token[^\n]*\n/.test(output) && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 200));
      // The server is script's child (exec): stop it with SIGTERM for a clean shutdown.
      const pid = Number(
        execFileSync('pgrep', ['-P', String(child.pid)])
          .toString()
          .trim()
          .split('\n')[0],
      );
      process.kill(pid, 'SIGTERM');
      await closed;
      const printed = [...output.matchAll(/admin token \(shown once, keep it\): (wg_[A-Za-z0-9_-]+)/g)].map(
        (m) => m[1],
      );
      expect(printed, output).to.have.length(1);
      expect(fs.existsSync(path.join(ttyDir, 'admin-token'))).to.equal(false);
    } finally {
      if (fresh.url !== undefined) await fresh.close();
      fs.rmSync(ttyDir, { recursive: true, force: true });
    }
  });
});
