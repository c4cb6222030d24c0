/**
 * npm run import:cases end to end, against the configured database: a refused file (exit 2, every problem with its
 * line), a good one (exit 0, a summary), the same again (unchanged). On the embedded database also while a server
 * holds it: the tool goes through the server's socket (one process opens the database) and loads without COPY.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { migrate, openDatabase, type Database } from '../../server/db/index.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { childEnv, runTs } from '../helpers/run.js';
import { request } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ndjson } from './fixture.js';

/** Two cases that need nothing but the category dictionary (no grids: outside coverage, no department). */
const GOOD = [
  {
    case_no: 'CLI-1',
    channel: 'app',
    category: 'matter:06010',
    description: '垃圾',
    location: { lon: 100.0005, lat: 20.0025 },
    reported_at: '2026-03-02T09:00:00+08:00',
    events: [{ action: 'accept', at: '2026-03-02T09:05:00+08:00' }],
  },
  {
    case_no: 'CLI-2',
    channel: 'hotline_12345',
    category: 'matter:06010',
    description: '重复',
    address: '湖滨路1号',
    reported_at: '2026-03-02T09:00:00+08:00',
    events: [{ action: 'void', at: '2026-03-02T09:10:00+08:00', note: '重复上报' }],
  },
];

describe(`npm run import:cases (${DRIVER})`, function () {
  this.timeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-cases-cli-'));
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a bad file (exit 2), imports a good one (exit 0), then finds it unchanged', async () => {
    const database: Database & { url?: string } = await openTestDatabase();
    const env = childEnv(database, { DATA_DIR: path.join(dir, 'var') });
    if (database.url === undefined) await database.close(); // the embedded database belongs to the CLI's DATA_DIR
    try {
      const bad = file('bad.ndjson', `${JSON.stringify(GOOD[0])}\n{"case_no": "CLI-3"}\n`);
      const r1 = await runTs('scripts/import-cases.ts', [bad], env);
      expect(r1.code, r1.stderr).to.equal(2);
      expect(r1.stderr).to.contain(`${bad}: refused, nothing imported. 4 problem(s):\n`);
      expect(r1.stderr).to.contain("  line 2: missing required field 'channel'\n");
      const good = file('good.ndjson', ndjson(GOOD));
      const r2 = await runTs('scripts/import-cases.ts', [good], env);
      expect(r2.code, r2.stderr).to.equal(0);
      expect(r2.stdout).to.match(
        /: 2 cases in [0-9.]+ s \([0-9]+ cases\/s\): inserted 2, unchanged 0, 1 without a position/,
      );
      const r3 = await runTs('scripts/import-cases.ts', [good], env);
      expect(r3.code, r3.stderr).to.equal(0);
      expect(r3.stdout).to.contain('inserted 0, unchanged 2');
      const none = await runTs('scripts/import-cases.ts', [], env);
      expect([none.code, none.stderr]).to.deep.equal([1, 'error: usage: npm run import:cases -- FILE.ndjson\n']);
    } finally {
      if (database.url !== undefined) await database.close();
    }
  });

  (DRIVER === 'pglite' ? describe : describe.skip)('while the server holds the embedded database', () => {
    const data = path.join(dir, 'served');
    const env = { ...process.env, DATA_DIR: data, LOG_LEVEL: 'warn' } as NodeJS.ProcessEnv;
    delete env.DATABASE_URL;
    let database: Database;
    let server: TestServer;
    before(async () => {
      fs.mkdirSync(data);
      database = await openDatabase({ dataDir: path.join(data, 'db'), serveSocketIn: data });
      await migrate(database);
      server = await startTestServer(database);
    });
    after(async () => {
      await server?.close();
      await database?.close();
    });

    it('imports through the server’s socket; the server sees the cases at once', async () => {
      const r = await runTs('scripts/import-cases.ts', [file('served.ndjson', ndjson(GOOD))], env);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('inserted 2, unchanged 0');
      const n = await sql<{ n: number }>`select count(*)::int as n from case_record`.execute(database.db);
      expect(n.rows[0].n).to.equal(2);
      expect((await request(server, 'GET', '/api/health')).status).to.equal(200);
    });
  });
});
