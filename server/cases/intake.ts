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
import { acceptGeocode, pendingAssignment, type GeocodeRecord } from './placement.js';
import { geocode } from '../addresses/geocode.js';
import { reverseGeocode } from '../addresses/reverse.js';

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

interface Where {
  at?: { lon: number; lat: number };
  input?: { lon: number; lat: number };
  crs: string;
  source: 'reported' | 'component' | 'geocoded';
  geocode?: GeocodeRecord;
}

async function placeReport(
  db: Kysely<DB>,
  input: ReportInput,
  component: { lon: number | null; lat: number | null } | undefined,
): Promise<Where> {
  if (input.location) {
    const crs = input.location.crs ?? 'wgs84';
    return {
      at: toWgs84(input.location.lon, input.location.lat, crs),
      input: { lon: input.location.lon, lat: input.location.lat },
      crs,
      source: 'reported',
    };
  }
  if (component && component.lon !== null && component.lat !== null) {
    const at = { lon: component.lon, lat: component.lat };
    return { at, input: at, crs: 'wgs84', source: 'component' };
  }
  const query = input.address!.trim();
  const found = await geocode(db, query, 5);
  const decision = acceptGeocode(found.candidates);
  const best = decision.accepted ?? found.candidates[0];
  const record: GeocodeRecord = {
    query,
    accepted: decision.accepted !== undefined,
    reason: decision.reason ?? null,
    score: best?.score ?? null,
    level: best?.level ?? null,
    candidates: found.candidates,
  };
  if (!decision.accepted) return { crs: 'wgs84', source: 'geocoded', geocode: record };
  const at = { lon: decision.accepted.lon, lat: decision.accepted.lat };
  return { at, input: at, crs: 'wgs84', source: 'geocoded', geocode: record };
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
    else if (!input.location && component.lon === null && !input.address?.trim())
      errors.push({
        location: 'body.location',
        message: `component ${component.code} has no position: the report needs a location or an address`,
      });
  } else if (!input.location && !input.address?.trim()) {
    errors.push({
      location: 'body.location',
      message:
        "missing required body field 'location' (it may be left out when 'component_code' names a component or 'address' gives the place)",
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

  // Where: the reported position, else the named component's, else the address geocoded (placement.ts).
  const now = opts.now ?? new Date();
  const where = await placeReport(db, input, component);
  const assignment = where.at
    ? await assign(db, {
        lon: where.at.lon,
        lat: where.at.lat,
        kind: cat.kind,
        code: cat.code,
        componentCode: component?.code,
        at: now,
      })
    : await pendingAssignment(db);
  const region =
    assignment.grid?.code ?? assignment.community?.code ?? assignment.street?.code ?? assignment.district?.code ?? '';
  // An unplaced report is in no region yet: it is stored all the same (never refused for that) for the centre to place.
  if (opts.user && where.at && !inScope(opts.user, region)) {
    throw forbidden(
      `the reported location lies in ${region || 'no region (outside every unit grid)'}, outside your region scope ${opts.user.regionScope}`,
    );
  }
  const address =
    input.address?.trim() || (where.at ? (await reverseGeocode(db, where.at.lon, where.at.lat)).address : '');
  const rules = await deadlineRules(db, {
    kind: cat.kind,
    code: cat.code,
    condition: input.condition ?? '',
    areaClass: assignment.area_class,
  });
  const deadline = stageDeadline(rules, STAGE_OF.reported, now);
  const duplicates = where.at
    ? await findDuplicates(db, { kind: cat.kind, code: cat.code, ...where.at, at: now }, opts.duplicates)
    : [];
  const suggestions =
    cat.kind === 'component' && !component && where.at
      ? await nearestComponents(db, { code: cat.code, ...where.at }, opts.componentRadiusM ?? 0)
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
        duplicates, component_suggestions, idempotency_key, request_hash, updated_at, needs_location,
        location_source, address_source, geocode, collector_code)
      values (${id}, ${caseNo}, ${input.channel}, ${cat.kind}, ${cat.code}, ${input.condition ?? ''}, ${input.description},
        ${address}, ${where.at?.lon ?? null}, ${where.at?.lat ?? null},
        ${where.at ? sql`ST_SetSRID(ST_MakePoint(${where.at.lon}, ${where.at.lat}), 4326)` : null}, ${where.crs},
        ${where.input?.lon ?? null}, ${where.input?.lat ?? null}, ${component?.code ?? null}, ${JSON.stringify(input.photos ?? [])}::jsonb,
        ${JSON.stringify(input.reporter ?? {})}::jsonb, ${input.client_time ?? null}::timestamptz, ${now},
        ${opts.user?.id ?? null}, 'reported', ${assignment.outside_coverage}, ${assignment.grid?.code ?? null},
        ${assignment.community?.code ?? null}, ${assignment.street?.code ?? null}, ${assignment.district?.code ?? null},
        ${assignment.area_class}, ${assignment.collector_area?.id ?? null}, ${assignment.department?.code ?? null},
        ${assignment.matched.rule_id ?? null}, ${assignment.matched.rule_version ?? null}, ${JSON.stringify(assignment)}::jsonb,
        ${assignment.version}, ${deadline}, ${JSON.stringify(duplicates)}::jsonb, ${JSON.stringify(suggestions)}::jsonb, ${key ?? null}, ${hash}, ${now}, ${!where.at},
        ${where.source}, ${input.address?.trim() ? 'reported' : 'reverse'}, ${where.geocode ? JSON.stringify(where.geocode) : null}::jsonb,
        (select code from collector where user_id = ${opts.user?.id ?? null}::int order by id limit 1))
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
          location_source: where.source,
          ...(where.geocode && { geocode: { accepted: where.geocode.accepted, score: where.geocode.score } }),
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
