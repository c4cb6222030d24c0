/** One request helper for tests: `request(server, method, path, { token, body, headers })`. */
export interface Reply<T = any> {
  status: number;
  headers: Headers;
  /** The body parsed when the response type is JSON (application/json, problem+json, geo+json …), else undefined. */
  body: T;
  text: string;
}

export interface RequestOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Sent as JSON (a string is sent as it is, still typed as JSON). */
  body?: unknown;
  headers?: Record<string, string>;
}

export async function request<T = any>(
  server: { url: string } | string,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  Object.assign(headers, opts.headers);
  const body = opts.body === undefined || typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const r = await fetch((typeof server === 'string' ? server : server.url) + path, { method, headers, body });
  const text = await r.text();
  const json = /[/+]json\b/.test(r.headers.get('content-type') ?? '') && text !== '';
  return { status: r.status, headers: r.headers, body: json ? JSON.parse(text) : undefined, text };
}
