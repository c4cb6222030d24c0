/**
 * A large import is checked in short steps and published in one transaction: other requests are answered while it
 * runs (on the embedded database too, which has one session), they see the regions before or after it and never a
 * part, a concurrent change to the regions makes it a 409 with nothing written, and no staging table is left behind.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import type { Database } from '../../server/db/index.js';
import { ImportRejected, importRegions } from '../../server/importexport/import.js';
import { RegionsChanged } from '../../server/importexport/publish.js';
import { regionsFile } from '../../scripts/bench/regions-file.js';
import { microCity } from '../fixtures/micro-city.js';
import { DRIVER, openTestDatabase } from '../helpers/db.js';

const actor = { id: null, name: 'test' };
// 1 district, 1 street, 36 communities, 3,600 grids: about 6 MB of GeoJSON, some seconds of staging.
const big = () => regionsFile({ side: 60, perEdge: 4, district: '990101', origin: [101, 21] });

async function liveGrids(database: Database): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from unit_grid where district_code = '990101' and termination_date is null`.execute(
    database.db,
  );
  return r.rows[0].n;
}

async function stageTables(database: Database): Promise<string[]> {
  const r = await sql<{ t: string }>`
    select tablename as t from pg_tables where tablename like 'import\\_stage\\_%'`.execute(database.db);
  return r.rows.map((x) => x.t);
}

describe(`a large import does not hold the database (${DRIVER})`, function () {
  this.timeout(300_000);
  let database: Database;

  before(async () => {
    database = await openTestDatabase();
    await importRegions(database, microCity(), { actor });
  });
  after(async () => {
    await database?.close();
  });

  it('reads are answered while it is staged and checked, and see none of it or all of it', async () => {
    let staging = false;
    let finished = false;
    const seen: number[] = [];
    let during = 0;
    const importing = importRegions(database, big(), {
      actor,
      onProgress: () => {
        staging = true;
      },
    }).finally(() => {
      finished = true;
    });
    while (!finished) {
      // Each read arrives as its own event, as requests do (a loop of microtasks alone would never let the
      // import's next step in).
      await new Promise((r) => setImmediate(r));
      const n = await liveGrids(database);
      seen.push(n);
      if (staging && !finished) during++;
    }
    const summary = await importing;
    expect(summary.counts.grid).to.deep.equal({ inserted: 3600, replaced: 0, unchanged: 0 });
    expect(summary.counts.community.inserted).to.equal(36);
    // One transaction holding the session from the first staged row to the end would let none through.
    expect(during, 'reads answered between the first staged batch and the end').to.be.greaterThan(5);
    expect(
      [...new Set(seen)].filter((n) => n !== 0 && n !== 3600),
      'partial states seen',
    ).to.deep.equal([]);
    expect(await liveGrids(database)).to.equal(3600);
    expect(await stageTables(database)).to.deep.equal([]);
  });

  it('a change to the regions while the file is checked: 409, nothing written, then a retry succeeds', async () => {
    const file = big();
    for (const f of file.features as Array<{ properties: { code: string; name: string } }>)
      f.properties.name += '（新）';
    const audits = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from audit_event`.execute(database.db)).rows[0].n;
    const auditsBefore = await audits();
    let other: Promise<unknown> | undefined;
    const renamed = microCity();
    renamed.features[7].properties.name = '东湖社区改名网格';
    const err = await importRegions(database, file, {
      actor,
      // Another editor's import lands while this one is being staged.
      onProgress: () => {
        other ??= importRegions(database, renamed, { actor });
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await other;
    expect(err).to.be.instanceOf(RegionsChanged);
    expect((err as RegionsChanged).status).to.equal(409);
    // Only the other import was written: its audit row, and none of the renamed 990101 rows.
    expect(await audits()).to.equal(auditsBefore + 1);
    const names = await sql<{ n: number }>`select count(*)::int as n from region
      where code like '990101%' and name like '%（新）'`.execute(database.db);
    expect(names.rows[0].n).to.equal(0);
    expect(await stageTables(database)).to.deep.equal([]);

    const again = await importRegions(database, file, { actor });
    expect(again.counts.grid).to.deep.equal({ inserted: 0, replaced: 3600, unchanged: 0 });
    expect(await liveGrids(database)).to.equal(3600);
  });

  it('a rejected file leaves no staging table, and a staging table left by a dead process is dropped', async () => {
    await sql`create unlogged table import_stage_1_deadbeef (idx int)`.execute(database.db);
    const bad = microCity();
    bad.features[8].geometry = bad.features[7].geometry; // two grids of one community on one cell
    const err = await importRegions(database, bad, { actor }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ImportRejected);
    expect(await stageTables(database)).to.deep.equal([]);
  });
});
