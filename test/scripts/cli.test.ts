/** The command-line tools end to end: npm run import / export / migrate / user, against the configured database. */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../../server/db/index.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';
import { childEnv, runTs } from '../helpers/run.js';
import { microCity } from '../fixtures/micro-city.js';

describe(`command-line tools (${DRIVER})`, () => {
  let database: Database & { url?: string };
  let env: NodeJS.ProcessEnv;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-cli-'));
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    database = await openTestDatabase();
    env = childEnv(database, { DATA_DIR: path.join(dir, 'var') });
    if (database.url === undefined) await database.close(); // the embedded database belongs to the CLI's DATA_DIR
  });
  after(async () => {
    if (database.url !== undefined) await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('npm run migrate applies the migrations once', async () => {
    const r = await runTs('scripts/migrate.ts', [], env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^(applied: 0001_foundation\.sql.*|the database is up to date)\n$/);
    const again = await runTs('scripts/migrate.ts', [], env);
    expect(again.stdout).to.equal('the database is up to date\n');
  });

  it('npm run import rejects a bad file with every problem, exit 2, and imports a good one with a summary', async () => {
    const bad = microCity();
    bad.features[8].geometry = {
      type: 'Polygon',
      coordinates: [
        [
          [100.001, 20.002],
          [100.002, 20.003],
          [100.002, 20.002],
          [100.001, 20.003],
          [100.001, 20.002],
        ],
      ],
    };
    fs.writeFileSync(file('bad.geojson'), JSON.stringify(bad));
    const r1 = await runTs('scripts/import.ts', [file('bad.geojson')], env);
    expect(r1.code).to.equal(2);
    expect(r1.stderr).to.contain('bad.geojson: rejected, nothing imported. 1 problem(s):');
    expect(r1.stderr).to.contain('feature 8 (code 990001001001002): invalid polygon: Self-intersection');
    expect(r1.stderr).to.contain('at [100.0015, 20.0025]');

    fs.writeFileSync(file('micro.geojson'), JSON.stringify(microCity()));
    const r2 = await runTs('scripts/import.ts', [file('micro.geojson')], env);
    expect(r2.code, r2.stderr).to.equal(0);
    expect(r2.stdout).to.contain('imported 20 features');
    expect(r2.stdout).to.contain('grid       inserted 13, replaced 0, unchanged 0');
    expect(r2.stdout).to.contain('1 warning(s):');
  });

  it('npm run export writes the layers back; a missing file or bad layer is a clear error', async () => {
    const r = await runTs('scripts/export.ts', ['--layer', 'communities', '--out', file('c.geojson')], env);
    expect(r.code, r.stderr).to.equal(0);
    const fc = JSON.parse(fs.readFileSync(file('c.geojson'), 'utf8'));
    expect(fc.features.map((f: any) => f.properties.code)).to.deep.equal([
      '990001001001',
      '990001001002',
      '990001002001',
      '990001002002',
    ]);
    const bad = await runTs('scripts/export.ts', ['--layer', 'roads'], env);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.equal('error: --layer must be one of districts, streets, communities, grids, all\n');
    const missing = await runTs('scripts/import.ts', [file('nope.geojson')], env);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('no such file');
  });

  it('npm run user creates a user and prints the token once', async () => {
    const r = await runTs('scripts/user.ts', ['李四', 'dispatcher', '990001001'], env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(
      /^created user 李四 \(#\d+, dispatcher, scope 990001001\)\ntoken \(shown once\): wg_[A-Za-z0-9_-]{32}\n$/,
    );
    const bad = await runTs('scripts/user.ts', ['x', 'boss'], env);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain('role must be one of admin, gis_editor');
  });

  it('npm run user needs a department for a handler; npm run reassign re-runs assignment', async () => {
    const handler = await runTs('scripts/user.ts', ['王五', 'department_handler'], env);
    expect(handler.code).to.equal(1);
    expect(handler.stderr).to.contain('a department_handler needs a department code (4th argument)');
    const r = await runTs('scripts/reassign.ts', ['--all'], env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(
      /^library version \d+: examined 0 open cases, changed 0 \(department moved on 0, proposed for 0 already dispatched\) in \d+ ms\n$/,
    );
  });
});
