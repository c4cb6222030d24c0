/**
 * Chinese labels of what the server sends as codes without a label (channels, roles), the panel's own choices and
 * small formatting rules (no DOM). Workflow state and action labels come from the server (workflow.ts).
 */

/** Actions shown as a warning (red) button. */
export const DANGER_ACTIONS = new Set(['void', 'return', 'rework']);

export const CHANNEL_LABELS: Record<string, string> = {
  collector: '监督员上报',
  hotline_12345: '12345 热线',
  hotline_12319: '12319 热线',
  video: '视频监控',
  leader: '领导交办',
  app: '公众 App',
  wechat: '微信',
  open311: 'Open311',
};

/** Where a case's point came from (the case's `location_source`). */
export const LOCATION_SOURCE_LABELS: Record<string, string> = {
  reported: '上报位置',
  component: '部件位置',
  geocoded: '地址解析',
  placed: '人工定位',
};

export const ROLE_LABELS: Record<string, string> = {
  admin: '管理员',
  gis_editor: '地理信息编辑',
  dispatcher: '调度员',
  department_handler: '专业部门',
  collector: '监督员',
  viewer: '只读用户',
};

/** The states of the 待处理 tab for a role: what that role acts on next. */
export function pendingStates(role: string): string[] {
  if (role === 'department_handler') return ['dispatched'];
  if (role === 'collector') return ['verifying', 'disposed'];
  return ['reported', 'verifying', 'accepted', 'filed'];
}

/** The deadline that matters now: disposal once with a department, else the centre's stage limit. */
export function currentDeadline(c: {
  state: string;
  deadlines: { stage: string | null; dispose: string | null };
}): string | null {
  const withDepartment = c.state === 'dispatched' || c.state === 'parked';
  return (
    (withDepartment ? (c.deadlines.dispose ?? c.deadlines.stage) : (c.deadlines.stage ?? c.deadlines.dispose)) ?? null
  );
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
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
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
