/** The dispatch API as the panel uses it (see tmp/DISPATCH.md): cases, actions, departments, categories, heat. */
import { ApiError } from '../api.js';
import { authHeaders } from '../token.js';

export interface Named { code: string; name: string }

export interface CaseCategory { kind: 'component' | 'matter'; code: string; name: string; major_name: string; key: string }

export interface Candidate {
  rule_id: number;
  name: string;
  department_code: string;
  specificity?: string | number;
  area_m2?: number | null;
  priority?: number;
  lost_because: string;
}

export interface Assignment {
  grid: Named | null;
  /** The contract gives {code, name}; a bare string is accepted too. */
  community: Named | string | null;
  street: Named | string | null;
  district: Named | string | null;
  area_class: string;
  collector_area: { id: number; name: string } | null;
  collectors: { id: number; code: string; name: string; phone: string }[];
  department: { code: string; name: string; kind: string } | null;
  matched?: { source: 'component' | 'rule' | 'fallback'; rule_id?: number; rule_version?: number; rule_name?: string; component_code?: string };
  why: string;
  candidates: Candidate[];
  version?: number;
}

export interface CaseEvent {
  id: number | string;
  at: string;
  actor_name: string | null;
  action: string;
  from_state: string | null;
  to_state: string | null;
  note: string | null;
  deadline?: string | null;
}

export interface Case {
  id: number | string;
  case_no: string;
  state: string;
  state_label: string;
  channel: string;
  category: CaseCategory;
  condition?: string;
  description: string;
  address: string;
  location: { lon: number; lat: number };
  reported_at: string;
  outside_coverage: boolean;
  overdue: boolean;
  deadlines: { stage: string | null; dispose: string | null };
  urge_count: number;
  rework_count: number;
  assignment: Assignment | null;
  duplicates?: { id: number | string; case_no: string; distance_m: number; reported_at: string; state: string }[];
  allowed_actions: string[];
  events?: CaseEvent[];
}

export interface Me { id: number; name: string; role: string; regionScope?: string; departmentCode?: string | null }
export interface Department { code: string; name: string; kind: string }
export interface Category { key: string; kind: 'component' | 'matter'; code: string; major_code: string; major_name: string; name: string }
export interface ActionBody { action: string; note?: string; department_code?: string }
export interface CaseQuery { state?: string[]; overdue?: boolean; limit?: number; department?: string }

/** An error as one line: our Chinese summary plus the server's own detail (problem+json `detail`). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.detail ? `${e.message}：${e.detail}` : e.message;
  return e instanceof Error ? e.message : String(e);
}

async function request<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...authHeaders(url),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, '无法连接服务器，请检查网络后重试');
  }
  if (res.ok) return res.json() as Promise<T>;
  let detail: string | undefined;
  try {
    const problem = await res.json() as { detail?: unknown; title?: unknown };
    if (typeof problem.detail === 'string') detail = problem.detail;
    else if (typeof problem.title === 'string') detail = problem.title;
  } catch { /* not problem+json */ }
  throw new ApiError(res.status, describe(res.status), detail);
}

function describe(status: number): string {
  if (status === 401) return '未登录或令牌无效';
  if (status === 403) return '没有权限执行此操作';
  if (status === 404) return '未找到';
  if (status === 409) return '当前状态不允许此操作';
  if (status === 400 || status === 422) return '请求内容有误';
  if (status >= 500) return `服务器内部错误（HTTP ${status}）`;
  return `请求失败（HTTP ${status}）`;
}

/** The signed-in user, or null without a (valid) token. */
export async function fetchMe(): Promise<Me | null> {
  if (!Object.keys(authHeaders(new URL('api/me', document.baseURI).href)).length) return null;
  try {
    return await request<Me>('GET', 'api/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function listCases(q: CaseQuery): Promise<{ items: Case[]; next: string | null }> {
  const p = new URLSearchParams();
  if (q.state?.length) p.set('state', q.state.join(','));
  if (q.overdue) p.set('overdue', 'true');
  if (q.department) p.set('department', q.department);
  p.set('limit', String(q.limit ?? 100));
  return request('GET', `api/cases?${p}`);
}

export const getCase = (id: Case['id']) => request<Case>('GET', `api/cases/${encodeURIComponent(String(id))}`);

export const postAction = (id: Case['id'], body: ActionBody) =>
  request<Case>('POST', `api/cases/${encodeURIComponent(String(id))}/actions`, body);

/** Departments for the dispatch select; accepts a bare array or `{ items }`. */
export async function listDepartments(): Promise<Department[]> {
  const r = await request<Department[] | { items: Department[] }>('GET', 'api/departments');
  return Array.isArray(r) ? r : r.items;
}

export const listCategories = () => request<Category[]>('GET', 'api/categories');

export interface HeatQuery { category?: string; from?: string; to?: string }
export function fetchHeat(q: HeatQuery): Promise<{ points: [number, number, number][]; total: number }> {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  const qs = p.toString();
  return request('GET', `api/cases/heat${qs ? `?${qs}` : ''}`);
}
