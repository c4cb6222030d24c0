/**
 * Bearer token for servers run with PUBLIC_READ=false: open the map once as `/#token=<token>`; the token is kept in
 * this browser's localStorage and sent with every same-origin request (API calls and vector tiles).
 */
const KEY = 'wangge.token';

function readToken(): string | null {
  const given = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1];
  if (given) {
    localStorage.setItem(KEY, given);
    history.replaceState(null, '', location.pathname + location.search); // keep the token out of the address bar
  }
  return localStorage.getItem(KEY);
}

const token = readToken();

/** Whether this browser has a token (a signed-in user, as far as the page can tell). */
export function hasToken(): boolean {
  return token !== null;
}

/** Authorization header for a same-origin URL when a token is known. */
export function authHeaders(url: string): Record<string, string> {
  if (!token) return {};
  return new URL(url, document.baseURI).origin === location.origin ? { Authorization: `Bearer ${token}` } : {};
}
