import fs from 'node:fs';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import { sql } from 'kysely';
import { listMigrations, type Database } from '../../server/db/index.js';
import { DRIVER, openTestDatabase } from './db.js';
import { filterTar } from './snapshot.js';

/** Entry names of an uncompressed tar. */
function names(tar: Buffer): string[] {
  const out: string[] = [];
  for (let off = 0; off + 512 <= tar.length;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(h.toString('ascii', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    if (h[156] !== 0x78) out.push(h.toString('utf8', 0, 100).replace(/\0.*$/s, ''));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe(`test databases from a prepared snapshot (${DRIVER})`, () => {
  let a: Database | undefined, b: Database | undefined;
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('filterTar keeps exactly the chosen entries of the PostGIS bundle, data intact', () => {
    const dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite-postgis'));
    const full = zlib.gunzipSync(fs.readFileSync(path.join(dir, 'postgis.tar.gz')));
    const keep = (n: string) => n === 'lib/postgresql/postgis-3.so' || n === 'share/proj/proj.ini';
    const kept = filterTar(full, keep);
    expect(names(kept)).to.deep.equal(['lib/postgresql/postgis-3.so', 'share/proj/proj.ini']);
    expect(names(full).filter(keep)).to.deep.equal(names(kept));
    expect(kept.length).to.be.below(full.length / 2);
    expect(kept.subarray(kept.length - 1024).every((x) => x === 0)).to.equal(true);
  });

  it('each open is migrated, has PostGIS and is isolated from the others', async () => {
    a = await openTestDatabase();
    b = await openTestDatabase();
    for (const d of [a, b]) {
      const m = await sql<{ name: string }>`select name from schema_migrations order by name`.execute(d.db);
      expect(m.rows.map((r) => r.name)).to.deep.equal(listMigrations());
      const p = await sql<{ x: number }>`select
        round(st_x(st_transform(st_setsrid(st_point(114, 30), 4326), 4547))) as x`.execute(d.db);
      expect(Number(p.rows[0].x)).to.equal(500000); // EPSG:4547: CGCS2000 3° GK, CM 114°E
    }
    await a.exec(`insert into tile_layer_version (layer) values ('snapshot-probe')`);
    const seen = async (d: Database) =>
      (
        await sql<{ n: number }>`select count(*)::int as n from tile_layer_version
      where layer = 'snapshot-probe'`.execute(d.db)
      ).rows[0].n;
    expect(await seen(a)).to.equal(1);
    expect(await seen(b)).to.equal(0);
  });
});
