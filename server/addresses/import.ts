/**
 * Import of the address gazetteer (roads, doorplates, landmarks) from CSV, XLSX, GeoJSON or a zipped Shapefile:
 * validation first, then all or nothing, like the census (server/components/import.ts) — rows are checked as the
 * file streams and COPYed into a staging table, the whole-file checks run in SQL, and one transaction publishes.
 * A road, doorplate or landmark already stored (same road name; same road + number + building; same landmark name)
 * is updated only when it changed, its old row kept in address_history; re-importing a file changes nothing. A road
 * row whose `former` names include a live road's name renames that road (server/addresses/renames.ts checks it).
 */
import { sql } from 'kysely';
import type { Database } from '../db/open.js';
import { copyLine } from '../db/copy.js';
import { write, type Actor } from '../db/write.js';
import { step } from '../importexport/stage.js';
import { whereOf, type WhereKind } from '../components/census-checks.js';
import { crsFromPrj, describeCrs, type CensusCrs } from '../geo/file-crs.js';
import { CensusRejected, MAX_LISTED, describeRowIssue, type CensusFile } from '../components/import.js';
import type { RowIssue } from '../components/row.js';
import { ADDRESS_FIELDS, mapAddressHeader, type AddressField, type AddressHeader } from './fields.js';
import { checkAddressRow, type AddressRow } from './row.js';
import { publishAddresses, type AddressCounts } from './publish.js';
import { renameProblems, renameWarnings } from './renames.js';

export interface AddressImportOptions {
  actor: Actor;
  crs?: CensusCrs;
  scope?: string;
  fileName?: string;
  onProgress?: (p: { phase: string; rows: number; bytes: number; totalBytes: number }) => void;
}

export interface AddressSummary {
  total: number;
  counts: AddressCounts;
  crs: string;
  encoding: string | null;
  warnings: (RowIssue & { text: string })[];
  warnings_total: number;
}

const COLUMNS = [
  'idx',
  'wn',
  'kind',
  'name',
  'number',
  'number_int',
  'building',
  'aliases',
  'former',
  'category',
  'geom',
];
const listed = (issues: RowIssue[]) => issues.slice(0, MAX_LISTED).map((i) => ({ ...i, text: describeRowIssue(i) }));

export async function importAddresses(
  database: Database,
  file: CensusFile,
  opts: AddressImportOptions,
): Promise<AddressSummary> {
  const db = database.db;
  const kind: WhereKind = file.format === 'csv' ? 'line' : file.format === 'xlsx' ? 'row' : 'feature';
  const fromPrj = file.prj ? crsFromPrj(file.prj) : undefined;
  const crs = opts.crs ?? fromPrj ?? { kind: 'lonlat', name: 'wgs84' };
  const tabular = file.format === 'csv' || file.format === 'xlsx';
  const header = tabular ? mapAddressHeader(file.header) : undefined;
  if (header?.problems.length)
    throw new CensusRejected(
      listed(header.problems.map((message) => ({ where: whereOf(kind, 1), column: null, message }))),
      header.problems.length,
    );
  const errors: RowIssue[] = [];
  let errorCount = 0;
  const addErrors = (l: RowIssue[]) => {
    errorCount += l.length;
    for (const e of l) if (errors.length < MAX_LISTED) errors.push(e);
  };
  const table = `address_stage_${Math.floor(Date.now() / 1000)}_${Math.random().toString(36).slice(2, 10)}`;
  const t = sql.table(table);
  await sql`create unlogged table ${t} (idx integer not null, wn integer not null, kind text not null,
    name text not null, number text, number_int integer, building text not null, aliases jsonb not null,
    former jsonb not null, category text not null, geom geometry not null, grid_code text, community_code text,
    street_code text, district_code text, action text, target bigint, old_name text)`.execute(db);
  try {
    let rows = 0;
    let idx = 0;
    const cache = new Map<string, AddressHeader>();
    async function* checked(): AsyncGenerator<AddressRow[]> {
      let batch: AddressRow[] = [];
      for await (const rec of file.records()) {
        rows++;
        if (rec.problem) {
          addErrors([{ where: rec.where, column: null, message: rec.problem }]);
          continue;
        }
        let map = header;
        let values = rec.values as unknown[];
        let names = file.header;
        if (!map) {
          const props = (rec.values ?? {}) as Record<string, unknown>;
          names = Object.keys(props);
          values = names.map((k) => props[k]);
          const sig = names.join('\u0000');
          map = cache.get(sig) ?? mapAddressHeader(names);
          if (cache.size < 1000) cache.set(sig, map);
        }
        const m = map;
        const r = checkAddressRow(
          {
            where: rec.where,
            get: (f) => (m.fields[f] === undefined ? undefined : values[m.fields[f]!]),
            column: (f: AddressField) =>
              m.fields[f] === undefined ? ADDRESS_FIELDS[f][0] : names[m.fields[f]!].trim(),
            geometry: rec.geometry,
          },
          crs,
        );
        if (r.errors.length) addErrors(r.errors);
        if (r.row && errorCount === 0) batch.push(r.row);
        if (batch.length >= 1000) {
          yield batch;
          batch = [];
        }
        if (rows % 10000 === 0)
          opts.onProgress?.({ phase: 'reading', rows, bytes: file.bytesRead(), totalBytes: file.totalBytes });
      }
      if (batch.length && errorCount === 0) yield batch;
    }
    const line = (r: AddressRow) =>
      copyLine([
        idx++,
        'line' in r.where ? r.where.line : 'row' in r.where ? r.where.row : r.where.feature,
        r.kind,
        r.name,
        r.number,
        r.number_int,
        r.building,
        JSON.stringify(r.aliases),
        JSON.stringify(r.former),
        r.category,
        r.geom,
      ]);
    if (database.copyIn) {
      await database.copyIn(
        table,
        COLUMNS,
        (async function* () {
          for await (const b of checked()) yield b.map(line).join('');
        })(),
      );
    } else {
      for await (const b of checked()) {
        const idxs = b.map(() => idx++);
        await sql`insert into ${t} (idx, wn, kind, name, number, number_int, building, aliases, former, category, geom)
          select * from unnest(${idxs}::int[],
            ${b.map((r) => ('line' in r.where ? r.where.line : 'row' in r.where ? r.where.row : r.where.feature))}::int[],
            ${b.map((r) => r.kind)}::text[], ${b.map((r) => r.name)}::text[], ${b.map((r) => r.number)}::text[],
            ${b.map((r) => r.number_int)}::int[], ${b.map((r) => r.building)}::text[],
            ${b.map((r) => JSON.stringify(r.aliases))}::jsonb[], ${b.map((r) => JSON.stringify(r.former))}::jsonb[],
            ${b.map((r) => r.category)}::text[],
            ${b.map((r) => r.geom)}::geometry[])`.execute(db);
      }
    }
    if (rows === 0)
      addErrors([{ where: whereOf(kind, kind === 'feature' ? 0 : 1), column: null, message: 'the file has no rows' }]);
    if (errorCount === 0) {
      await sql`create index on ${t} (kind, name)`.execute(db);
      const dup = await sql<{ wns: number[]; what: string }>`
        select array_agg(wn order by idx) as wns,
               kind || ' ' || name || coalesce(' ' || number, '') || case when building <> '' then ' ' || building || '栋' else '' end as what
        from ${t} group by kind, name, number, building having count(*) > 1 order by min(idx) limit ${MAX_LISTED}`.execute(
        db,
      );
      addErrors(
        dup.rows.map((d) => ({
          where: whereOf(kind, d.wns[1]),
          column: null,
          message: `${d.what} is given ${d.wns.length} times (${d.wns.map((n) => `${kind} ${n}`).join(', ')})`,
        })),
      );
      const invalid = await sql<{ wn: number; reason: string }>`
        select wn, ST_IsValidReason(geom) as reason from ${t} where not ST_IsValid(geom) order by idx limit ${MAX_LISTED}`.execute(
        db,
      );
      addErrors(
        invalid.rows.map((r) => ({
          where: whereOf(kind, r.wn),
          column: null,
          message: `the geometry is not valid: ${r.reason}`,
        })),
      );
      addErrors(await renameProblems(db, table, kind));
    }
    if (errorCount) throw new CensusRejected(listed(errors.sort((a, b) => num(a.where) - num(b.where))), errorCount);

    await step(() =>
      sql`update ${t} s set (grid_code, community_code, street_code, district_code) = (
          select u.code, u.community_code, u.street_code, u.district_code from unit_grid u
          where u.termination_date is null and ST_Covers(u.geom, ST_PointOnSurface(s.geom)) order by u.code limit 1)`.execute(
        db,
      ),
    );
    await step(() =>
      sql`update ${t} s set district_code = (select r.code from region r where r.level = 'district'
          and r.termination_date is null and ST_Covers(r.geom, ST_PointOnSurface(s.geom)) order by r.code limit 1)
        where s.grid_code is null`.execute(db),
    );
    if (opts.scope) {
      const outside = await sql<{ wn: number; at: string | null }>`
        select wn, coalesce(grid_code, district_code) as at from ${t}
        where not coalesce(coalesce(grid_code, district_code) like ${`${opts.scope}%`}, false) order by idx limit ${MAX_LISTED}`.execute(
        db,
      );
      if (outside.rows.length)
        throw new CensusRejected(
          listed(
            outside.rows.map((o) => ({
              where: whereOf(kind, o.wn),
              column: null,
              message: `the position lies ${o.at ? `in ${o.at}` : 'outside every district'}, outside your region scope ${opts.scope}`,
            })),
          ),
          outside.rows.length,
          'scope',
        );
    }
    const warnings: RowIssue[] = [];
    const noRoad = await sql<{ wn: number; name: string }>`
      select s.wn, s.name from ${t} s where s.kind = 'doorplate'
        and not exists (select 1 from ${t} r where r.kind = 'road' and r.name = s.name)
        and not exists (select 1 from road_name n where n.name = s.name)
      order by s.idx limit ${MAX_LISTED}`.execute(db);
    for (const w of noRoad.rows)
      warnings.push({
        where: whereOf(kind, w.wn),
        column: null,
        message: `the road ${w.name} is not in the gazetteer: the doorplate is kept without its road (no interpolation along it)`,
      });
    warnings.push(...(await renameWarnings(db, table, kind)));
    const counts = await write(db, { actor: opts.actor, layers: ['addresses'] }, async (trx) => {
      const c = await publishAddresses(trx, table);
      return {
        action: 'import',
        entity: 'address',
        key: null,
        detail: { file: opts.fileName ?? null, format: file.format, rows, ...c },
        result: c,
      };
    });
    return {
      total: rows,
      counts,
      crs: describeCrs(crs),
      encoding: file.encoding ?? null,
      warnings: listed(warnings),
      warnings_total: warnings.length,
    };
  } finally {
    await sql`drop table if exists ${t}`.execute(db).catch(() => undefined);
  }
}

const num = (w: RowIssue['where']) => ('line' in w ? w.line : 'row' in w ? w.row : w.feature);
