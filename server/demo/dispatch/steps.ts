/**
 * The replay's steps: each takes one event of one simulated case through the real code — intakeCase() for the
 * report, applyAction() for a workflow step — at the simulated instant, and schedules the case's next step.
 */
import { intakeCase, type ReportInput } from '../../cases/intake.js';
import type { CrsName } from '../../geo/crs.js';
import { fromWgs84 } from '../../geo/crs.js';
import { between, pick } from '../prng.js';
import { round7 } from './city.js';
import { description, SURNAMES } from './reports.js';
import {
  act,
  actor,
  alternative,
  caseRow,
  centreDelay,
  collectorOf,
  deptName,
  lateShares,
  planDisposal,
  schedule,
  staff,
  work,
  type Event,
  type Sim,
  type Step,
  type Timeline,
} from './timeline.js';

const DISPOSE_NOTES: Record<string, string[]> = {
  '06': ['已清理完毕，现场恢复整洁', '已组织人员清运', '已督促责任单位整改到位'],
  '07': ['已清除小广告', '已拆除违规广告设施', '已教育劝离并收缴广告'],
  '08': ['已责令施工单位整改', '已落实围挡和覆盖措施'],
  '09': ['已劝离摊贩，恢复通行', '已责令商户退店经营', '已贴单告知并拖移车辆', '已整理归位'],
  '10': ['已组织清除', '已完成抢修'],
  component: ['已更换', '已修复', '已维修恢复正常使用', '已补齐缺失部件'],
};

/** The report as its channel would send it (GCJ-02 from the apps, a reporter from the public channels). */
function reportInput(tl: Timeline, s: Sim, t: number): ReportInput {
  const rng = s.rng;
  const catName = tl.categoryName.get(s.r.category) ?? s.r.category;
  const crs: CrsName = s.r.channel === 'app' || s.r.channel === 'wechat' ? 'gcj02' : 'wgs84';
  const at = crs === 'wgs84' ? { lon: s.r.lon, lat: s.r.lat } : fromWgs84(s.r.lon, s.r.lat, crs);
  const g = s.r.grid;
  const community = g ? tl.city.communities.find((c) => c.code === g.community) : undefined;
  const street = g ? tl.city.streets.find((x) => x.code === g.street) : undefined;
  return {
    channel: s.r.channel,
    category: s.r.category,
    description: description(s.r, catName),
    location: { lon: round7(at.lon), lat: round7(at.lat), crs },
    // Callers name the place (a hotspot, or their grid's name); a collector's report carries only its position and
    // intake gives it the reverse-geocoded sentence of the demo gazetteer.
    ...(s.r.hotspot
      ? { address: `${street?.name ?? ''}${s.r.hotspot}` }
      : g && s.r.channel !== 'collector'
        ? { address: `${street?.name ?? ''}${community?.name ?? ''}${g.name.replace(community?.name ?? '', '')}` }
        : {}),
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
}

/** The report through intakeCase(); then the centre voids, sends to verification or accepts it. */
async function intake(tl: Timeline, s: Sim, t: number, collectorName: string): Promise<void> {
  const W = tl.W;
  const rng = s.rng;
  const input = reportInput(tl, s, t);
  const user = s.r.channel === 'collector' ? actor(collectorName, 'collector') : undefined;
  const res = await intakeCase(tl.db, input, {
    user,
    now: new Date(t),
    duplicates: { radiusM: 50, windowHours: 72 },
  });
  s.id = res.id;
  tl.applied++;
  const c = await caseRow(tl, s.id);
  s.department = c.department_code;
  s.street = c.street_code;
  s.duplicates = Array.isArray(c.duplicates) ? c.duplicates.length : 0;
  const viaPublic = s.r.channel !== 'collector' && s.r.channel !== 'video' && s.r.channel !== 'leader';
  if (rng() < W.voidShare || (s.duplicates > 0 && rng() < W.voidDuplicateShare)) {
    schedule(tl, s, 'void', work(tl, t, centreDelay(tl, s, 'accept')));
  } else if (viaPublic && rng() < W.verifyShare) {
    schedule(tl, s, 'request_verify', work(tl, t, centreDelay(tl, s, 'accept')));
  } else {
    schedule(tl, s, 'accept', work(tl, t, centreDelay(tl, s, 'accept')));
  }
}

/** Takes event e of its case and schedules the case's next step. */
export async function runStep(tl: Timeline, e: Event): Promise<void> {
  const W = tl.W;
  const s = tl.sims[e.i];
  const t = e.t;
  const rng = s.rng;
  const coll = collectorOf(tl, s.r.grid);
  const collectorName = coll ? `监督员 ${coll.name}` : '监督员';
  const collUser = actor(collectorName, 'admin');
  const next = (step: Step, at: number) => schedule(tl, s, step, at);
  switch (e.step) {
    case 'intake':
      return intake(tl, s, t, collectorName);
    case 'void': {
      const note =
        s.duplicates > 0
          ? '重复上报，已合并至在办案件'
          : pick(rng, ['不属于城市管理范畴，已告知来电人', '描述不清且无法联系上报人', '同一问题已由其他渠道受理']);
      return act(tl, s, t, { action: 'void', note }, staff(tl, 'accept'));
    }
    case 'request_verify':
      await act(tl, s, t, { action: 'request_verify' }, staff(tl, 'verify_request'));
      return next('verify', work(tl, t, between(rng, 10, 150)));
    case 'verify': {
      const exists = rng() >= W.voidAfterVerifyShare;
      const note = exists ? '现场核实，问题属实' : '现场核实，未发现所述问题';
      await act(tl, s, t, { action: 'verify', note }, collUser);
      next(exists ? 'file' : 'void', work(tl, t, centreDelay(tl, s, 'file')));
      if (!exists) s.duplicates = 0;
      return;
    }
    case 'accept':
      await act(tl, s, t, { action: 'accept' }, staff(tl, 'accept'));
      return next('file', work(tl, t, centreDelay(tl, s, 'file')));
    case 'file':
      await act(tl, s, t, { action: 'file' }, staff(tl, 'file'));
      return next('dispatch', work(tl, t, centreDelay(tl, s, 'dispatch')));
    case 'dispatch': {
      const to = s.next?.department_code;
      await act(tl, s, t, { action: 'dispatch', ...(to ? { department_code: to } : {}) }, staff(tl, 'dispatch'));
      s.next = undefined;
      return planDisposal(tl, s, t);
    }
    case 'return': {
      s.returned = true;
      const note = '经核查不属于本单位职责，申请回退';
      await act(tl, s, t, { action: 'return', note }, actor(`${deptName(tl, s.department)} 处置员`));
      s.next = { action: 'dispatch', department_code: alternative(tl, s) };
      return next('dispatch', work(tl, t, centreDelay(tl, s, 'dispatch')));
    }
    case 'reassign': {
      s.reassigned = true;
      const dept = alternative(tl, s);
      const note = `派遣有误，改派${deptName(tl, dept)}`;
      await act(tl, s, t, { action: 'reassign', note, department_code: dept }, staff(tl, 'dispatch'));
      return planDisposal(tl, s, t);
    }
    case 'park': {
      s.parked = true;
      const note = pick(rng, ['需协调专项维修资金，暂列挂账', '涉及产权争议，待相关部门协调', '需办理施工许可后处置']);
      await act(tl, s, t, { action: 'park', note }, staff(tl, 'dispatch'));
      return next('unpark', work(tl, t, between(rng, W.parkWorkdays[0], W.parkWorkdays[1]) * 8 * 60));
    }
    case 'unpark':
      await act(tl, s, t, { action: 'unpark' }, staff(tl, 'dispatch'));
      return planDisposal(tl, s, t);
    case 'urge':
      await act(tl, s, t, { action: 'urge', note: '已超过处置时限，请立即处置并反馈' }, staff(tl, 'dispatch'));
      return next('dispose', Math.max(s.disposeAt ?? t, t + 60_000));
    case 'dispose': {
      const major = s.r.category.startsWith('component:') ? 'component' : s.r.category.slice(-5, -3);
      const note = pick(rng, DISPOSE_NOTES[major] ?? ['已处置完毕']);
      await act(tl, s, t, { action: 'dispose', note }, actor(`${deptName(tl, s.department)} 处置员`));
      const share = lateShares(tl, s).rework;
      const rework = s.reworks === 0 ? rng() < share : s.reworks === 1 && rng() < share / 3;
      // Collectors re-check on their rounds, within about two working days.
      return next(rework ? 'rework' : 'check', work(tl, t, between(rng, 15, 900)));
    }
    case 'rework': {
      s.reworks++;
      const note = pick(rng, ['现场核查未处置到位，问题仍然存在', '处置不彻底，需返工']);
      await act(tl, s, t, { action: 'rework', note }, collUser);
      return planDisposal(tl, s, t);
    }
    case 'check':
      await act(tl, s, t, { action: 'check' }, collUser);
      return next('close', work(tl, t, centreDelay(tl, s, 'close')));
    case 'close':
      return act(tl, s, t, { action: 'close' }, staff(tl, 'close'));
  }
}
