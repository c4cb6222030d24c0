/**
 * Reference data loaded after the migrations: the GB/T 47678.5 category dictionary (always brought up to date,
 * additions only), and — only into empty tables, since they are local configuration a city edits — the default
 * time limits, stage limits and working calendar from data/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Database } from './open.js';

export const DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data');

const readJson = (name: string) => JSON.parse(fs.readFileSync(path.join(DATA_DIR, name), 'utf8'));

interface CatalogEntry {
  code: string;
  majorName: string;
  name: string;
}

export async function seedReferenceData(database: Database): Promise<void> {
  const { db } = database;
  const present = await sql<{ t: string | null }>`select to_regclass('category')::text as t`.execute(db);
  if (!present.rows[0].t) return; // a partial migration set (tests of the migrator)
  const aliases = readJson('catalog/legacy-aliases.json') as Record<'component' | 'matter', Record<string, string>>;
  for (const kind of ['component', 'matter'] as const) {
    const entries = (readJson(`catalog/${kind}s-gb47678.json`) as { entries: CatalogEntry[] }).entries;
    const legacy = new Map<string, string[]>();
    for (const [old, code] of Object.entries(aliases[kind])) legacy.set(code, [...(legacy.get(code) ?? []), old]);
    const rows = entries.map((e) => ({
      kind,
      code: e.code,
      major_code: e.code.slice(0, 2),
      major_name: e.majorName,
      name: e.name,
      legacy_codes: legacy.get(e.code) ?? [],
    }));
    await sql`insert into category (kind, code, major_code, major_name, name, legacy_codes)
      select r.kind, r.code, r.major_code, r.major_name, r.name, array(select jsonb_array_elements_text(r.legacy_codes))
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(kind text, code text, major_code text, major_name text, name text, legacy_codes jsonb)
      on conflict (kind, code) do update set legacy_codes = excluded.legacy_codes`.execute(db);
  }

  const limits = readJson('time-limits.json') as {
    stages: Record<string, number>;
    limits: {
      kind: string;
      pattern: string;
      condition: string;
      hours: [number, number, number];
      close_condition: string;
    }[];
  };
  await db.transaction().execute(async (trx) => {
    const n = await sql<{ n: number }>`select count(*)::int as n from time_limit`.execute(trx);
    if (n.rows[0].n === 0) {
      await sql`insert into time_limit (kind, pattern, condition, hours_a, hours_b, hours_c, close_condition)
        select r.kind, r.pattern, r.condition, (r.hours->>0)::numeric, (r.hours->>1)::numeric, (r.hours->>2)::numeric,
               r.close_condition
        from jsonb_to_recordset(${JSON.stringify(limits.limits)}::jsonb)
          as r(kind text, pattern text, condition text, hours jsonb, close_condition text)`.execute(trx);
    }
    const s = await sql<{ n: number }>`select count(*)::int as n from stage_limit`.execute(trx);
    if (s.rows[0].n === 0) {
      for (const [stage, minutes] of Object.entries(limits.stages)) {
        await sql`insert into stage_limit (stage, minutes) values (${stage}, ${minutes})`.execute(trx);
      }
    }
    await sql`insert into work_calendar (id, definition) values (1, ${JSON.stringify(readJson('calendar.json'))}::jsonb)
      on conflict (id) do nothing`.execute(trx);
  });
}
