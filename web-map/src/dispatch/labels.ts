/** Chinese labels, colours and small formatting rules of the dispatch workflow (no DOM). */

export const ACTION_LABELS: Record<string, string> = {
  report: '上报', accept: '受理', request_verify: '核实派发', verify: '核实反馈', file: '立案', void: '作废',
  dispatch: '派遣', reassign: '改派', return: '回退', dispose: '处置反馈', park: '挂账', unpark: '解除挂账',
  urge: '督办', check: '核查通过', rework: '返工', close: '结案',
};

/** Actions whose note (说明) is required. */
export const NOTE_ACTIONS = new Set(['verify', 'void', 'reassign', 'return', 'dispose', 'park', 'rework', 'urge']);
/** Actions that name a department (default: the assigned one). */
export const DEPARTMENT_ACTIONS = new Set(['dispatch', 'reassign']);
/** Actions shown as a warning (red) button. */
export const DANGER_ACTIONS = new Set(['void', 'return', 'rework']);

export const STATE_LABELS: Record<string, string> = {
  reported: '上报', verifying: '待核实', accepted: '已受理', filed: '已立案', dispatched: '处置中',
  disposed: '已处置', checked: '已核查', closed: '已结案', voided: '已作废', parked: '已挂账',
};

/** Map and badge colour per state; overdue cases are drawn in OVERDUE_COLOR whatever their state. */
export const STATE_COLORS: Record<string, string> = {
  reported: '#f08c00', verifying: '#e8b100', accepted: '#1c7ed6', filed: '#4263eb', dispatched: '#7048e8',
  disposed: '#0ca678', checked: '#2f9e44', closed: '#868e96', voided: '#adb5bd', parked: '#a0622d',
};
export const OVERDUE_COLOR = '#e03131';
export const OTHER_STATE_COLOR = '#495057';

export const CHANNEL_LABELS: Record<string, string> = {
  collector: '监督员上报', hotline_12345: '12345 热线', hotline_12319: '12319 热线', video: '视频监控',
  leader: '领导交办', app: '公众 App', wechat: '微信', open311: 'Open311',
};

export const ROLE_LABELS: Record<string, string> = {
  admin: '管理员', gis_editor: '地理信息编辑', dispatcher: '调度员', department_handler: '专业部门',
  collector: '监督员', viewer: '只读用户',
};

/** Roles that may act on cases; everyone else sees the queue read-only. */
export const ACTING_ROLES = new Set(['admin', 'dispatcher', 'department_handler', 'collector']);

/** The states of the 待处理 tab for a role: what that role acts on next. */
export function pendingStates(role: string): string[] {
  if (role === 'department_handler') return ['dispatched'];
  if (role === 'collector') return ['verifying', 'disposed'];
  return ['reported', 'verifying', 'accepted', 'filed'];
}

/** The deadline that matters now: disposal once with a department, else the centre's stage limit. */
export function currentDeadline(c: { state: string; deadlines: { stage: string | null; dispose: string | null } }): string | null {
  const withDepartment = c.state === 'dispatched' || c.state === 'parked';
  return (withDepartment ? c.deadlines.dispose ?? c.deadlines.stage : c.deadlines.stage ?? c.deadlines.dispose) ?? null;
}

function span(ms: number): string {
  const min = Math.round(Math.abs(ms) / 60_000);
  if (min < 60) return `${Math.max(min, 1)} 分钟`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} 小时`;
  return `${Math.round(h / 24)} 天`;
}

/** "剩 3 小时" / "超期 2 天" relative to now. */
export function relativeDeadline(iso: string, now = Date.now()): { text: string; late: boolean } {
  const ms = Date.parse(iso) - now;
  return ms >= 0 ? { text: `剩 ${span(ms)}`, late: false } : { text: `超期 ${span(ms)}`, late: true };
}

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
});
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateTime.format(t);
}

/** `{code, name}` or a bare string as "名称（编码）". */
export function named(v: { code: string; name: string } | string | null | undefined): string {
  if (!v) return '—';
  if (typeof v === 'string') return v;
  return v.name ? `${v.name}（${v.code}）` : v.code;
}
