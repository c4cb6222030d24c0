/**
 * The one HTTP client of the web map: every server call goes through `request` — same-origin URLs get the bearer
 * token (token.ts), bodies go out and come back as JSON, and a refusal becomes an `ApiError` carrying a Chinese
 * summary for people and the server's own problem+json (RFC 9457) `detail`.
 */
import { authHeaders } from './token.js';

/** An API call that failed: `message` is for people (Chinese), `detail` is the server's own words. */
export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public detail?: string,
    /** The whole problem+json body (e.g. a refused grid edit's `problems` list), when the server sent one. */
    public problem?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** An error as one line: our Chinese summary plus the server's own detail (problem+json `detail`). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.detail ? `${e.message}：${e.detail}` : e.message;
  return e instanceof Error ? e.message : String(e);
}

/** The Chinese summary of an HTTP status when the caller has no better words for it. */
export function statusText(status: number): string {
  if (status === 401) return '未登录或令牌无效：请用 /#token=<令牌> 打开地图';
  if (status === 403) return '没有权限执行此操作';
  if (status === 404) return '未找到';
  if (status === 409) return '当前状态不允许此操作';
  if (status === 412) return '数据已被他人修改，请刷新后重试';
  if (status === 400 || status === 422) return '请求内容有误';
  if (status === 503) return '服务暂时不可用，请稍后重试';
  if (status >= 500) return `服务器内部错误（HTTP ${status}），请稍后重试`;
  return `请求失败（HTTP ${status}）`;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  cache?: RequestCache;
  /** Words for a status that mean more to this call than `statusText` (e.g. "no grid with this code" for 404). */
  describe?: (status: number) => string | undefined;
  /** The version the user saw (sent as If-Match): the server refuses with 412 when someone else changed it since. */
  version?: number;
}

/** Calls the server and resolves to its JSON answer; rejects with an ApiError (status 0: no connection). */
export async function request<T>(url: string, opts: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, cache, describe, version } = opts;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      cache,
      headers: {
        accept: 'application/json, application/geo+json, application/problem+json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(version === undefined ? {} : { 'if-match': `"${version}"` }),
        ...authHeaders(url),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, '无法连接服务器，请检查网络后重试');
  }
  if (res.status === 204) return undefined as T; // No Content (e.g. a DELETE)
  if (res.ok) return res.json() as Promise<T>;
  let detail: string | undefined;
  let problem: Record<string, unknown> | undefined;
  try {
    problem = (await res.json()) as Record<string, unknown>;
    if (typeof problem.detail === 'string') detail = problem.detail;
    else if (typeof problem.title === 'string') detail = problem.title;
  } catch {
    /* not problem+json: keep the status only */
  }
  throw new ApiError(res.status, describe?.(res.status) ?? statusText(res.status), detail, problem);
}
