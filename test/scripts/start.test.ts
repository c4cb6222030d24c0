/**
 * The README's promise: `npm start` on an empty database migrates, loads the demo city, creates an admin, prints the
 * URL and the token once; a restart keeps the data and prints no new token.
 */
import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../../server/db/index.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { childEnv, spawnTs } from '../helpers/run.js';

interface Started { child: ChildProcess; url: string; token?: string; log: { text: string } }

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
        resolve({ child, url, token: /admin token \(shown once, keep it\): (\S+)/.exec(output)?.[1], log });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => { output += d; log.text += d; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${output}`)); });
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

  it('loads the demo city, prints the URL and an admin token once, and shuts down cleanly', async () => {
    const first = await startMain(env);
    try {
      expect(first.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(first.token).to.match(/^wg_/);
      const health = await (await fetch(`${first.url}api/health`)).json() as any;
      expect(health).to.deep.include({ status: 'ok', driver: DRIVER });
      const me = await (await fetch(`${first.url}api/me`, { headers: { Authorization: `Bearer ${first.token}` } })).json() as any;
      expect(me).to.include({ name: 'admin', role: 'admin' });
      const streets = await (await fetch(`${first.url}api/regions?level=street&geometry=false`)).json() as any;
      expect(streets.features.length).to.be.within(3, 5);
      const page = await (await fetch(`${first.url}api/grids?limit=1`)).json() as any;
      expect(page.features[0].id).to.match(/^990101\d{9}$/);
      const html = await (await fetch(first.url)).text();
      expect(html).to.contain('<html');
      // …with its dispatch data: departments, and a year of cases replayed through intake and workflow.
      const departments = await (await fetch(`${first.url}api/departments`)).json() as any;
      expect(departments.length).to.be.greaterThan(10);
      const cases = await (await fetch(`${first.url}api/cases?state=closed&limit=1`, { headers: { Authorization: `Bearer ${first.token}` } })).json() as any;
      expect(cases.items[0].events ?? cases.items[0].state).to.equal('closed');
    } finally {
      expect(await stop(first.child)).to.equal(0);
    }
    expect(first.log.text).to.match(/loaded the demo city: \d streets, \d+ communities, \d+ unit grids/);
    const second = await startMain(env);
    try {
      expect(second.token).to.equal(undefined);
      const me = await fetch(`${second.url}api/me`, { headers: { Authorization: `Bearer ${first.token}` } });
      expect(me.status).to.equal(200);
    } finally {
      expect(await stop(second.child)).to.equal(0);
    }
    expect(second.log.text).to.contain('SIGTERM: shutting down'); // the log was flushed…
    expect(second.log.text).not.to.contain('loaded the demo city'); // …and the demo city was not loaded again
  });
});
