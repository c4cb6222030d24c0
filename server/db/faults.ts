/**
 * Which database errors mean "the database is unreachable or not answering" (→ 503 with Retry-After) rather than a
 * bug or bad input. Covers pg socket errors, PostgreSQL's shutdown/connection SQLSTATEs, the pool's and the client's
 * timeouts, and the embedded database's session-lock timeout.
 */

/** Thrown when a query waited longer than DB_ACQUIRE_TIMEOUT_MS for a connection (or the embedded session). */
export class DatabaseBusyError extends Error {
  readonly code = 'WANGGE_DB_BUSY';
  constructor(waitedMs: number) {
    super(`the database did not become available within ${waitedMs} ms`);
  }
}

/** Thrown by a bounded wait (e.g. /api/health) when the database does not answer in time. */
export class DatabaseTimeoutError extends Error {
  readonly code = 'WANGGE_DB_TIMEOUT';
  constructor(ms: number) {
    super(`the database did not answer within ${ms} ms`);
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'WANGGE_DB_BUSY',
  'WANGGE_DB_TIMEOUT',
]);

// SQLSTATEs: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 57014 query_canceled (our
// statement_timeout), 53300 too_many_connections, 08xxx connection exceptions.
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300']);

const MESSAGES = [
  /^Connection terminated/i, // pg: "Connection terminated", "…unexpectedly", "…due to connection timeout"
  /timeout exceeded when trying to connect/i, // pg-pool acquire timeout (older pg-pool)
  /^timeout expired$/i, // pg-pool acquire timeout
  /^Query read timeout$/i, // pg client-side query timeout
  /not queryable/i, // pg: "Client has encountered a connection error and is not queryable"
  /^terminating connection/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/** True when `e` (or its cause) says the database is unreachable or not answering, not that the request was bad. */
export function isUnavailable(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 4) return false;
  const err = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  if (NETWORK_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  const message = typeof err.message === 'string' ? err.message : '';
  if (MESSAGES.some((re) => re.test(message))) return true;
  if (Array.isArray(err.errors) && err.errors.some((x) => isUnavailable(x, depth + 1))) return true; // AggregateError
  return isUnavailable(err.cause, depth + 1);
}

/** Resolves or rejects like `p`, or rejects with DatabaseTimeoutError after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeoutError(ms)), ms);
  });
  p.catch(() => undefined); // a late rejection after the timeout must not become an unhandled rejection
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
