/**
 * Intake (受理入口): a report from any channel is validated, located, assigned and stored — with its first history
 * event — in one transaction before anything is answered. Idempotency-Key: a retry with the same key and body
 * returns the stored case; the same key with a different body is a conflict; concurrent duplicates create one case
 * (a unique index decides).
 */
import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { User } from '../auth/tokens.js';
import { inScope } from '../auth/policy.js';
import { write } from '../db/write.js';
import { conflict, forbidden, unprocessable } from '../http/problem.js';
import { findCategory } from '../categories/catalog.js';
import type { Static } from 'typebox';
import { toWgs84 } from '../geo/crs.js';
import { assign } from '../assign/assign.js';
import { deadlineRules, stageDeadline } from '../calendar/deadlines.js';
import { findDuplicates, nearestComponents, type DuplicateOptions } from './duplicates.js';
import type { REPORT_SCHEMA } from './schema.js';
import { STAGE_OF } from './workflow.js';

export const CHANNELS = [
  'collector',
  'hotline_12345',
  'hotline_12319',
  'video',
  'leader',
  'app',
  'wechat',
  'open311',
] as const;
export type Channel = (typeof CHANNELS)[number];

/** A report as POST /api/cases takes it (REPORT_SCHEMA validates it). */
export type ReportInput = Static<typeof REPORT_SCHEMA>;

export interface IntakeOptions {
  user?: User;
  idempotencyKey?: string;
  /** Reception time; the demo generator replays a year through this code. Default: now. */
  now?: Date;
  duplicates: DuplicateOptions;
  /** Reports of a component class: suggest components of that class within this many metres (0 = none). */
  componentRadiusM?: number;
}

export interface IntakeResult {
  id: number;
  replayed: boolean;
}

/** Canonical JSON (sorted keys) so that a retry with reordered fields is the same request. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export const requestHash = (input: ReportInput) => crypto.createHash('sha256').update(canonical(input)).digest('hex');

async function replay(db: Kysely<DB>, key: string, hash: string): Promise<IntakeResult | undefined> {
  const row = await db
    .selectFrom('case_record')
    .select(['id', 'request_hash'])
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.request_hash !== hash) {
    throw conflict('this Idempotency-Key was already used for a different report; send a new key for a new report', {
      case_id: Number(row.id),
    });
  }
  return { id: Number(row.id), replayed: true };
}

export async function intakeCase(db: Kysely<DB>, input: ReportInput, opts: IntakeOptions): Promise<IntakeResult> {
  const hash = requestHash(input);
  const key = opts.idempotencyKey === undefined ? undefined : `${opts.user?.id ?? 0}:${opts.idempotencyKey}`;
  if (key) {
    const earlier = await replay(db, key, hash);
    if (earlier) return earlier;
  }

  const errors: { location: string; message: string }[] = [];
  const category = input.category ? await findCategory(db, input.category) : undefined;
  if (input.category && !category) {
    errors.push({
      location: 'body.category',
      message: `unknown category '${input.category}': not in the GB/T 47678.5 dictionary (see /api/categories)`,
    });
  }
  let component: { code: string; category_code: string; lon: number | null; lat: number | null } | undefined;
  if (input.component_code) {
    component = (
      await sql<{ code: string; category_code: string; lon: number | null; lat: number | null }>`
        select code, category_code, ST_X(ST_PointOnSurface(geom)) as lon, ST_Y(ST_PointOnSurface(geom)) as lat
        from component where code = ${input.component_code}`.execute(db)
    ).rows[0];
    if (!component)
      errors.push({ location: 'body.component_code', message: `unknown component '${input.component_code}'` });
    else if (!input.location && component.lon === null)
      errors.push({
        location: 'body.location',
        message: `component ${component.code} has no position: the report needs a location`,
      });
  } else if (!input.location) {
    errors.push({
      location: 'body.location',
      message:
        "missing required body field 'location' (it may be left out only when 'component_code' names a component)",
    });
  }
  if (!input.category && !input.component_code) {
    errors.push({
      location: 'body.category',
      message:
        "missing required body field 'category' (it may be left out only when 'component_code' names a component)",
    });
  }
  if (errors.length) throw unprocessable(errors.map((e) => e.message).join('; '), { errors });
  const cat = category ?? { kind: 'component', code: component!.category_code };

  // A report that names a component and gives no location is at the component.
  const given = input.location ?? { lon: component!.lon!, lat: component!.lat!, crs: 'wgs84' as const };
  const crs = given.crs ?? 'wgs84';
  const { lon, lat } = toWgs84(given.lon, given.lat, crs);
  const now = opts.now ?? new Date();
  const assignment = await assign(db, {
    lon,
    lat,
    kind: cat.kind,
    code: cat.code,
    componentCode: component?.code,
    at: now,
  });
  const region =
    assignment.grid?.code ?? assignment.community?.code ?? assignment.street?.code ?? assignment.district?.code ?? '';
  if (opts.user && !inScope(opts.user, region)) {
    throw forbidden(
      `the reported location lies in ${region || 'no region (outside every unit grid)'}, outside your region scope ${opts.user.regionScope}`,
    );
  }
  const rules = await deadlineRules(db, {
    kind: cat.kind,
    code: cat.code,
    condition: input.condition ?? '',
    areaClass: assignment.area_class,
  });
  const deadline = stageDeadline(rules, STAGE_OF.reported, now);
  const duplicates = await findDuplicates(db, { kind: cat.kind, code: cat.code, lon, lat, at: now }, opts.duplicates);
  const suggestions =
    cat.kind === 'component' && !component
      ? await nearestComponents(db, { code: cat.code, lon, lat }, opts.componentRadiusM ?? 0)
      : [];

  const actor = { id: opts.user?.id ?? null, name: opts.user?.name ?? `channel:${input.channel}` };
  const result = await write(db, { actor, layers: ['cases'] }, async (trx) => {
    const id = Number((await sql<{ id: string }>`select nextval('case_record_id_seq') as id`.execute(trx)).rows[0].id);
    const caseNo = `${localDay(now)}${String(id).padStart(6, '0')}`;
    const inserted = await sql<{ id: number }>`
      insert into case_record (id, case_no, channel, category_kind, category_code, condition, description, address,
        lon, lat, geom, input_crs, input_lon, input_lat, component_code, photos, reporter, client_time, reported_at,
        created_by, state, outside_coverage, grid_code, community_code, street_code, district_code, area_class,
        collector_area_id, department_code, rule_id, rule_version, assignment, assignment_version, stage_deadline,
        duplicates, component_suggestions, idempotency_key, request_hash, updated_at)
      values (${id}, ${caseNo}, ${input.channel}, ${cat.kind}, ${cat.code}, ${input.condition ?? ''}, ${input.description},
        ${input.address ?? ''}, ${lon}, ${lat}, ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), ${crs},
        ${given.lon}, ${given.lat}, ${component?.code ?? null}, ${JSON.stringify(input.photos ?? [])}::jsonb,
        ${JSON.stringify(input.reporter ?? {})}::jsonb, ${input.client_time ?? null}::timestamptz, ${now},
        ${opts.user?.id ?? null}, 'reported', ${assignment.outside_coverage}, ${assignment.grid?.code ?? null},
        ${assignment.community?.code ?? null}, ${assignment.street?.code ?? null}, ${assignment.district?.code ?? null},
        ${assignment.area_class}, ${assignment.collector_area?.id ?? null}, ${assignment.department?.code ?? null},
        ${assignment.matched.rule_id ?? null}, ${assignment.matched.rule_version ?? null}, ${JSON.stringify(assignment)}::jsonb,
        ${assignment.version}, ${deadline}, ${JSON.stringify(duplicates)}::jsonb, ${JSON.stringify(suggestions)}::jsonb, ${key ?? null}, ${hash}, ${now})
      on conflict (idempotency_key) do nothing
      returning id`.execute(trx);
    if (inserted.rows.length === 0) return { result: undefined, caseEvent: null }; // a concurrent request with this key won
    return {
      result: { id, replayed: false },
      caseEvent: {
        case_id: id,
        at: now,
        action: 'report',
        from_state: null,
        to_state: 'reported',
        note: input.description.slice(0, 500),
        deadline,
        detail: {
          channel: input.channel,
          department: assignment.department?.code ?? null,
          matched: assignment.matched,
        },
      },
    };
  });
  return result ?? (await replay(db, key!, hash))!;
}

/** The local (China Standard Time) day as YYYYMMDD, the prefix of case numbers. */
export function localDay(t: Date): string {
  return new Date(t.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
}
