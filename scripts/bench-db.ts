/** Shared by the benchmark scripts: scratch databases on the DATABASE_URL server. */
import pg from 'pg';

/** The same server URL with another database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs statements (create/drop database…) on one short-lived connection. */
export async function admin(url: string, statements: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

/** DATABASE_URL, or exit 2 with how to get one and what the benchmark will do there. */
export function requireDatabaseUrl(bench: string, what: string): string {
  const url = process.env.DATABASE_URL;
  if (url) return url;
  console.error(`${bench} needs a PostgreSQL + PostGIS server: set DATABASE_URL, e.g.\n`
    + '  export DATABASE_URL=$(bash scripts/db-up.sh | tail -1)\n' + what);
  process.exit(2);
}
