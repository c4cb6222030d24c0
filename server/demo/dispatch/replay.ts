/**
 * The demo dispatch data for the demo city (parameters in data/demo-dispatch.json), deterministic from a seed:
 *
 *  - the responsibility library: a supervision centre (属地兜底 everywhere), one street office per street (兜底 of
 *    its street), the professional departments (市政, 园林, 环卫 and a cleaning contractor, 城管执法 with two street
 *    squads, 交警, 电力, 通信, 水务, 燃气), rules by major class, by exact class, by street (regions), by a park
 *    polygon and one time-limited rule that wins on priority; area classes (A = the street at the district's centre,
 *    B = the street nearest to it, the rest C); collectors (监督员) and collector areas (contiguous runs of
 *    communities per street, together covering every live grid exactly once); manhole covers with maintainers;
 *  - a year of cases, replayed in time order through the real code — intakeCase() for every report and
 *    applyAction() for every workflow step, each with `now` set to the simulated instant — so assignment,
 *    deadlines, duplicates and history are exactly what the service itself produces. Hotspots (markets, schools, a
 *    night market, a bus station) draw dense clusters of their typical matters; the rest spreads over the grids.
 *    Centre and department actions happen in working time (the working calendar); a few per cent of disposals are
 *    late, some cases are reworked (返工), voided (作废, many as duplicates), returned, re-assigned or parked, and
 *    the cases of the last days and weeks are still open in their various states.
 *
 * The actions are taken by system actors (app_user id null, role admin, names like 「受理员 陈静」 or a department's
 * name): no app_user rows are created, so the server's first-start admin account is unaffected.
 */
import { sql } from 'kysely';
import TinyQueue from 'tinyqueue';
import type { User } from '../../auth/tokens.js';
import { loadCalendar } from '../../calendar/store.js';
import { applyAction } from '../../cases/actions.js';
import { intakeCase, type ReportInput } from '../../cases/intake.js';
import type { Database } from '../../db/open.js';
import type { CrsName } from '../../geo/crs.js';
import { fromWgs84 } from '../../geo/crs.js';
import { between, logNormal, pick, stream, type Rng } from '../prng.js';
import { round7, type Grid } from './city.js';
import { setUpLibrary } from './library.js';
import { DISPATCH_PARAMS, type DemoDispatchOptions, type DemoDispatchSummary } from './params.js';
import { CST_MS, description, localInstant, planReports, SURNAMES, type Report } from './reports.js';

type Step =
  | 'intake'
  | 'accept'
  | 'request_verify'
  | 'verify'
  | 'void'
  | 'file'
  | 'dispatch'
  | 'return'
  | 'reassign'
  | 'park'
  | 'unpark'
  | 'urge'
  | 'dispose'
  | 'check'
  | 'rework'
  | 'close';

interface Sim {
  i: number;
  rng: Rng;
  r: Report;
  id: number;
  department: string | null;
  street: string | null;
  duplicates: number;
  reworks: number;
  returned: boolean;
  reassigned: boolean;
  parked: boolean;
  /** The planned disposal (after an urge). */
  disposeAt?: number;
  late?: boolean;
  next?: { action: string; note?: string; department_code?: string };
}

interface Event {
  t: number;
  i: number;
  seq: number;
  step: Step;
}

const DISPOSE_NOTES: Record<string, string[]> = {
  '06': ['已清理完毕，现场恢复整洁', '已组织人员清运', '已督促责任单位整改到位'],
  '07': ['已清除小广告', '已拆除违规广告设施', '已教育劝离并收缴广告'],
  '08': ['已责令施工单位整改', '已落实围挡和覆盖措施'],
  '09': ['已劝离摊贩，恢复通行', '已责令商户退店经营', '已贴单告知并拖移车辆', '已整理归位'],
  '10': ['已组织清除', '已完成抢修'],
  component: ['已更换', '已修复', '已维修恢复正常使用', '已补齐缺失部件'],
};

export async function loadDemoDispatch(
  database: Database,
  opts: DemoDispatchOptions = {},
): Promise<DemoDispatchSummary> {
  const P = DISPATCH_PARAMS;
  const seed = opts.seed ?? P.seed;
  const from = opts.from ?? P.from,
    to = opts.to ?? P.to;
  const nCases = opts.cases ?? P.cases;
  const W = P.workflow;
  const db = database.db;
  const started = Date.now();
  const log = opts.log;

  const { city, lib } = await setUpLibrary(database, seed, P.collectors.areas);
  const calendar = await loadCalendar(db);
  const stageMinutes = Object.fromEntries(
    (
      await sql<{ stage: string; minutes: number }>`
    select stage, minutes::float8 as minutes from stage_limit`.execute(db)
    ).rows.map((r) => [r.stage, r.minutes]),
  );
  const categoryName = new Map(
    (
      await sql<{ key: string; name: string }>`
    select kind || ':' || code as key, name from category`.execute(db)
    ).rows.map((r) => [r.key, r.name]),
  );

  const reports = planReports(city, lib, P, seed, nCases, from, to, calendar);
  // The demo's "now": 10:00 on the day after the last day of reports, so that the night's reports wait for the
  // centre and the morning's work is under way.
  const end = localInstant(to, 24 * 60 + 10 * 60).getTime();
  log?.info(
    `demo dispatch: ${lib.counts.departments} departments, ${lib.counts.rules} rules, ${lib.counts.collectors} collectors; replaying ${reports.length} reports ${from} … ${to}`,
  );

  // Actors: system users (no app_user row; role admin so that one actor may take each step).
  const actor = (name: string, role: User['role'] = 'admin'): User => ({
    id: null as unknown as number,
    name,
    role,
    regionScope: '',
    departmentCode: null,
  });
  const staff = (k: string) => actor(W.staff[k] ?? '指挥中心');
  const collectorOf = (g: Grid | undefined) => {
    const area = g ? lib.areaOfGrid.get(g.code) : undefined;
    return area === undefined ? undefined : lib.collectors[lib.areaCollectors[area][0]];
  };
  const deptName = (code: string | null) => (code ? (lib.departments.get(code)?.name ?? code) : '指挥中心');
  const alternative = (s: Sim): string => {
    const office = s.street ? lib.streetOffice.get(s.street) : undefined;
    const isOffice = !!s.department && [...lib.streetOffice.values()].includes(s.department);
    const alt = W.alternatives[isOffice ? 'street' : (s.department ?? 'JK')] ?? 'street';
    const code = alt === 'street' ? (office ?? 'JK') : alt;
    return code === s.department ? 'JK' : code;
  };

  const sims: Sim[] = reports.map((r, i) => ({
    i,
    rng: stream(seed, `case:${i}`),
    r,
    id: 0,
    department: null,
    street: null,
    duplicates: 0,
    reworks: 0,
    returned: false,
    reassigned: false,
    parked: false,
  }));
  // Events in (time, case, sequence) order: seq is unique, so the order is total.
  const queue = new TinyQueue<Event>([], (x, y) => x.t - y.t || x.i - y.i || x.seq - y.seq);
  let seq = 0;
  const schedule = (s: Sim, step: Step, t: number) => queue.push({ t, i: s.i, seq: seq++, step });
  for (const s of sims) schedule(s, 'intake', s.r.t);

  /** `minutes` working minutes after t (centre and departments work in the calendar's working time). */
  const work = (t: number, minutes: number) =>
    calendar.addWorkingMinutes(new Date(t), Math.max(0, minutes)).getTime() + 1000;
  /** A centre stage: usually well inside its limit, sometimes slow. */
  const centreDelay = (s: Sim, stage: string) => {
    const limit = stageMinutes[stage] ?? 30;
    return s.rng() < W.slowCentreShare ? between(s.rng, 1.05, 3) * limit : between(s.rng, 0.1, 0.85) * limit;
  };
  const row = async (id: number) =>
    (
      await sql<{
        stage_deadline: Date | null;
        department_code: string | null;
        street_code: string | null;
        duplicates: unknown[];
      }>`select stage_deadline, department_code, street_code, duplicates from case_record where id = ${id}`.execute(db)
    ).rows[0];

  /** Plans the disposal (on time or late, maybe urged first) after the case entered 'dispatched' at t. */
  const planDisposal = async (s: Sim, t: number) => {
    const c = await row(s.id);
    s.department = c.department_code;
    const deadline = c.stage_deadline ? new Date(c.stage_deadline).getTime() : work(t, 16 * 60);
    const limit = Math.max(30, calendar.workingMinutesBetween(new Date(t), new Date(deadline)));
    s.late = s.rng() < W.lateDisposeShare;
    const minutes = s.late
      ? limit * between(s.rng, 1.05, 2.2) + between(s.rng, 20, 240)
      : limit * Math.min(0.97, logNormal(s.rng, 0.45, 0.6));
    s.disposeAt = work(t, minutes);
    if (!s.parked && s.rng() < W.parkShare) return schedule(s, 'park', work(t, between(s.rng, 30, 600)));
    if (!s.returned && s.rng() < W.returnShare) return schedule(s, 'return', work(t, between(s.rng, 10, 180)));
    if (!s.reassigned && s.rng() < W.reassignShare && alternative(s) !== s.department) {
      return schedule(s, 'reassign', work(t, between(s.rng, 10, 120)));
    }
    if (s.late && s.rng() < W.urgeLateShare) {
      const urgeAt = work(deadline, between(s.rng, 10, 240));
      if (urgeAt < s.disposeAt) return schedule(s, 'urge', urgeAt);
    }
    schedule(s, 'dispose', s.disposeAt);
  };

  let failures = 0;
  let applied = 0;
  let lastLog = Date.now();
  const act = async (
    s: Sim,
    t: number,
    input: { action: string; note?: string; department_code?: string },
    user: User,
  ) => {
    await applyAction(db, s.id, input, user, { now: new Date(t) });
    applied++;
  };

  for (let e = queue.pop(); e; e = queue.pop()) {
    if (e.t > end) continue; // after the demo's "now": the case stays where it is
    const s = sims[e.i];
    const t = e.t;
    const rng = s.rng;
    const coll = collectorOf(s.r.grid);
    const collUser = actor(coll ? `监督员 ${coll.name}` : '监督员', 'admin');
    try {
      switch (e.step) {
        case 'intake': {
          const catName = categoryName.get(s.r.category) ?? s.r.category;
          const crs: CrsName = s.r.channel === 'app' || s.r.channel === 'wechat' ? 'gcj02' : 'wgs84';
          const at = crs === 'wgs84' ? { lon: s.r.lon, lat: s.r.lat } : fromWgs84(s.r.lon, s.r.lat, crs);
          const g = s.r.grid;
          const community = g ? city.communities.find((c) => c.code === g.community) : undefined;
          const street = g ? city.streets.find((x) => x.code === g.street) : undefined;
          const input: ReportInput = {
            channel: s.r.channel,
            category: s.r.category,
            description: description(s.r, catName),
            location: { lon: round7(at.lon), lat: round7(at.lat), crs },
            address: s.r.hotspot
              ? `${street?.name ?? ''}${s.r.hotspot}`
              : g
                ? `${street?.name ?? ''}${community?.name ?? ''}${g.name.replace(community?.name ?? '', '')}`
                : '',
            ...(s.r.condition ? { condition: s.r.condition } : {}),
            ...(s.r.component ? { component_code: s.r.component } : {}),
            ...(s.r.channel.startsWith('hotline') || s.r.channel === 'wechat' || s.r.channel === 'app'
              ? {
                  reporter: {
                    name: `${pick(rng, SURNAMES)}${rng() < 0.5 ? '先生' : '女士'}`,
                    phone: `1${String(30 + Math.floor(rng() * 60))}****${String(Math.floor(rng() * 10000)).padStart(4, '0')}`,
                  },
                }
              : {}),
            client_time: new Date(t - Math.floor(rng() * 120) * 1000).toISOString(),
          };
          const user =
            s.r.channel === 'collector' ? actor(coll ? `监督员 ${coll.name}` : '监督员', 'collector') : undefined;
          const res = await intakeCase(db, input, {
            user,
            now: new Date(t),
            duplicates: { radiusM: 50, windowHours: 72 },
          });
          s.id = res.id;
          applied++;
          const c = await row(s.id);
          s.department = c.department_code;
          s.street = c.street_code;
          s.duplicates = Array.isArray(c.duplicates) ? c.duplicates.length : 0;
          const viaPublic = s.r.channel !== 'collector' && s.r.channel !== 'video' && s.r.channel !== 'leader';
          if (rng() < W.voidShare || (s.duplicates > 0 && rng() < W.voidDuplicateShare)) {
            schedule(s, 'void', work(t, centreDelay(s, 'accept')));
          } else if (viaPublic && rng() < W.verifyShare) {
            schedule(s, 'request_verify', work(t, centreDelay(s, 'accept')));
          } else {
            schedule(s, 'accept', work(t, centreDelay(s, 'accept')));
          }
          break;
        }
        case 'void': {
          const note =
            s.duplicates > 0
              ? '重复上报，已合并至在办案件'
              : pick(rng, ['不属于城市管理范畴，已告知来电人', '描述不清且无法联系上报人', '同一问题已由其他渠道受理']);
          await act(s, t, { action: 'void', note }, staff('accept'));
          break;
        }
        case 'request_verify':
          await act(s, t, { action: 'request_verify' }, staff('verify_request'));
          schedule(s, 'verify', work(t, between(rng, 10, 150)));
          break;
        case 'verify': {
          const exists = rng() >= W.voidAfterVerifyShare;
          await act(
            s,
            t,
            { action: 'verify', note: exists ? '现场核实，问题属实' : '现场核实，未发现所述问题' },
            collUser,
          );
          schedule(s, exists ? 'file' : 'void', work(t, centreDelay(s, 'file')));
          if (!exists) s.duplicates = 0;
          break;
        }
        case 'accept':
          await act(s, t, { action: 'accept' }, staff('accept'));
          schedule(s, 'file', work(t, centreDelay(s, 'file')));
          break;
        case 'file':
          await act(s, t, { action: 'file' }, staff('file'));
          schedule(s, 'dispatch', work(t, centreDelay(s, 'dispatch')));
          break;
        case 'dispatch': {
          const to = s.next?.department_code;
          await act(s, t, { action: 'dispatch', ...(to ? { department_code: to } : {}) }, staff('dispatch'));
          s.next = undefined;
          await planDisposal(s, t);
          break;
        }
        case 'return': {
          s.returned = true;
          await act(
            s,
            t,
            { action: 'return', note: '经核查不属于本单位职责，申请回退' },
            actor(`${deptName(s.department)} 处置员`),
          );
          s.next = { action: 'dispatch', department_code: alternative(s) };
          schedule(s, 'dispatch', work(t, centreDelay(s, 'dispatch')));
          break;
        }
        case 'reassign': {
          s.reassigned = true;
          const dept = alternative(s);
          await act(
            s,
            t,
            { action: 'reassign', note: `派遣有误，改派${deptName(dept)}`, department_code: dept },
            staff('dispatch'),
          );
          await planDisposal(s, t);
          break;
        }
        case 'park':
          s.parked = true;
          await act(
            s,
            t,
            {
              action: 'park',
              note: pick(rng, ['需协调专项维修资金，暂列挂账', '涉及产权争议，待相关部门协调', '需办理施工许可后处置']),
            },
            staff('dispatch'),
          );
          schedule(s, 'unpark', work(t, between(rng, W.parkWorkdays[0], W.parkWorkdays[1]) * 8 * 60));
          break;
        case 'unpark':
          await act(s, t, { action: 'unpark' }, staff('dispatch'));
          await planDisposal(s, t);
          break;
        case 'urge':
          await act(s, t, { action: 'urge', note: '已超过处置时限，请立即处置并反馈' }, staff('dispatch'));
          schedule(s, 'dispose', Math.max(s.disposeAt ?? t, t + 60_000));
          break;
        case 'dispose': {
          const major = s.r.category.startsWith('component:') ? 'component' : s.r.category.slice(-5, -3);
          const note = pick(rng, DISPOSE_NOTES[major] ?? ['已处置完毕']);
          await act(s, t, { action: 'dispose', note }, actor(`${deptName(s.department)} 处置员`));
          const rework = s.reworks === 0 ? rng() < W.reworkShare : s.reworks === 1 && rng() < W.reworkShare / 3;
          // Collectors re-check on their rounds, within about two working days.
          schedule(s, rework ? 'rework' : 'check', work(t, between(rng, 15, 900)));
          break;
        }
        case 'rework':
          s.reworks++;
          await act(
            s,
            t,
            { action: 'rework', note: pick(rng, ['现场核查未处置到位，问题仍然存在', '处置不彻底，需返工']) },
            collUser,
          );
          await planDisposal(s, t);
          break;
        case 'check':
          await act(s, t, { action: 'check' }, collUser);
          schedule(s, 'close', work(t, centreDelay(s, 'close')));
          break;
        case 'close':
          await act(s, t, { action: 'close' }, staff('close'));
          break;
      }
    } catch (err) {
      failures++;
      if (failures <= 5)
        log?.warn(`demo dispatch: case ${s.i} (${s.id}) step ${e.step} failed: ${(err as Error).message}`);
    }
    if (log && Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log.info(`demo dispatch: ${new Date(t + CST_MS).toISOString().slice(0, 10)}, ${applied} calls`);
    }
  }

  const stats = (
    await sql<{
      state: string;
      n: number;
    }>`select state, count(*)::int as n from case_record group by state order by state`.execute(db)
  ).rows;
  const byState = Object.fromEntries(stats.map((r) => [r.state, r.n]));
  const figures = (
    await sql<{ cases: number; events: number; reworked: number; late: number; open_overdue: number; parked: number }>`
    select (select count(*)::int from case_record) as cases,
           (select count(*)::int from case_event) as events,
           (select count(*)::int from case_record where rework_count > 0) as reworked,
           (select count(distinct case_id)::int from (
              select case_id, action, at, lag(deadline) over (partition by case_id order by id) as due from case_event) e
            where action = 'dispose' and due is not null and at > due) as late,
           (select count(*)::int from case_record where state not in ('closed', 'voided', 'parked')
              and stage_deadline < ${new Date(end)}) as open_overdue,
           (select count(distinct case_id)::int from case_event where action = 'park') as parked`.execute(db)
  ).rows[0];
  const summary: DemoDispatchSummary = {
    departments: lib.counts.departments,
    rules: lib.counts.rules,
    areaClassZones: lib.counts.zones,
    collectors: lib.counts.collectors,
    collectorAreas: lib.counts.areas,
    components: lib.counts.components,
    cases: figures.cases,
    events: figures.events,
    byState,
    voided: byState.voided ?? 0,
    reworked: figures.reworked,
    parked: figures.parked,
    disposedLate: figures.late,
    openOverdue: figures.open_overdue,
    failures,
    end: new Date(end).toISOString(),
    seconds: (Date.now() - started) / 1000,
  };
  const open = Object.entries(byState)
    .filter(([k]) => k !== 'closed' && k !== 'voided')
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  log?.info(
    `demo dispatch: ${summary.cases} cases (${summary.events} events) in ${summary.seconds.toFixed(1)} s: ` +
      `${byState.closed ?? 0} closed, open ${open || 'none'}; ` +
      `${summary.disposedLate} disposed late, ${summary.openOverdue} open past deadline, ${summary.reworked} reworked, ` +
      `${summary.voided} voided, ${summary.parked} parked (${summary.byState.parked ?? 0} still)${failures ? `, ${failures} failed actions` : ''}`,
  );
  return summary;
}
