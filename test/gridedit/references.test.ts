/**
 * referencesOf(): the library rows naming codes that a change ends, and what they would name after — found the same
 * way by array overlap (a few ended codes) and by hash joins (many), on the micro-city's codes.
 */
import { expect } from 'chai';
import { sql } from 'kysely';
import { REFERENCE_LOOKUP, referencesOf } from '../../server/gridedit/publish.js';
import { DRIVER } from '../helpers/db.js';
import { setUpWorld, tearDownWorld, type World } from '../cases/fixture.js';

describe(`references of ended codes (${DRIVER})`, function () {
  this.timeout(120_000);
  let w: World;
  before(async () => {
    w = await setUpWorld();
    await sql`insert into collector_area (name, grid_codes) values
      ('东湖南片', '{990001001001005,990001001001006}'), ('西湖片', '{990001001002001}')`.execute(w.database.db);
    await sql`insert into area_class_zone (name, class, area_kind, area_codes)
      values ('东湖核心区', 'A', 'regions', '{990001001001006,990001001001001}')`.execute(w.database.db);
  });
  after(() => tearDownWorld(w));

  const lookup = (overlapMax: number) =>
    w.database.db.transaction().execute(async (trx) => {
      const saved = REFERENCE_LOOKUP.overlapMax;
      REFERENCE_LOOKUP.overlapMax = overlapMax;
      try {
        // 006 merged into 005; 001 split into 008 and 009.
        const succ = new Map([
          ['990001001001006', ['990001001001005']],
          ['990001001001001', ['990001001001008', '990001001001009']],
        ]);
        return (await referencesOf(trx, succ)).map(({ id: _id, ...r }) => r);
      } finally {
        REFERENCE_LOOKUP.overlapMax = saved;
      }
    });

  it('finds the same rows by overlap and by joins, with what they would name', async () => {
    const expected = [
      {
        kind: 'area_class',
        name: '东湖核心区',
        from: ['990001001001006', '990001001001001'],
        to: ['990001001001005', '990001001001008', '990001001001009'],
      },
      {
        kind: 'collector_area',
        name: '东湖南片',
        from: ['990001001001005', '990001001001006'],
        to: ['990001001001005'],
      },
    ];
    expect(await lookup(64)).to.deep.equal(expected);
    expect(await lookup(0)).to.deep.equal(expected);
  });
});
