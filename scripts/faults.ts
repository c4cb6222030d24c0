/**
 * npm run test:faults — the "never down, nothing lost" promise under real faults, bounded and loopback only:
 *   (a) PostgreSQL: a throwaway cluster of its own (scripts/db-up.sh with a private PG_DIR and port; the shared
 *       cluster is never touched), `pg_ctl restart -m fast` and then `-m immediate` in the middle of a report load;
 *   (b) embedded database: `kill -9` of the server in the middle of the load, then a restart on the same DATA_DIR.
 * Clients retry with their Idempotency-Keys. Asserts and prints: server alive (restarted only where it was
 * killed), acknowledged = stored, no duplicates, what the clients saw during the outage. Exit 1 on a failure.
 *   npm run test:faults [-- --only pg|embedded]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { microCity } from '../test/fixtures/micro-city.js';
import { runLoad, type LoadResult } from './faults/load.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLIENTS = 4,
  REPORTS = 40;
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Server {
  child: ChildProcess;
  url: string;
  token?: string;
  output: string;
  exited: boolean;
}

function startServer(env: NodeJS.ProcessEnv): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const s: Server = { child, url: '', output: '', exited: false };
    const timer = setTimeout(() => reject(new Error(`server did not start in 600 s:\n${s.output}`)), 600_000);
    const onData = (d: Buffer) => {
      s.output += d;
      const m = /wangge is running: (http:\S+?)\/?\s/.exec(s.output);
      if (m && /wangge is running: .*\n( {2}admin token.*\n)?\n/.test(s.output) && !s.url) {
        clearTimeout(timer);
        s.url = m[1].replace(/\/$/, '');
        // Not a terminal: the server writes the admin token to a 0600 file and prints only its path.
        const file = /admin token written to (\S+) \(mode 0600;/.exec(s.output)?.[1];
        s.token = file
          ? fs.readFileSync(file, 'utf8').trim()
          : /admin token \(shown once, keep it\): (\S+)/.exec(s.output)?.[1];
        if (file) fs.rmSync(file);
        resolve(s);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      s.exited = true;
      clearTimeout(timer);
      if (!s.url) reject(new Error(`server exited with ${code}:\n${s.output}`));
    });
  });
}

async function stopServer(s: Server): Promise<void> {
  if (s.exited) return;
  await new Promise((resolve) => {
    s.child.on('exit', resolve);
    s.child.kill('SIGTERM');
  });
}

async function call<T = unknown>(url: string, method: string, p: string, token: string, body: unknown): Promise<T> {
  const res = await fetch(`${url}${p}`, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The micro-city, one everywhere fallback department, a dispatcher who reports; returns the dispatcher's token. */
async function prepare(s: Server): Promise<string> {
  await call(s.url, 'POST', '/api/import', s.token!, microCity());
  await call(s.url, 'POST', '/api/departments', s.token!, {
    code: 'QY',
    name: '全域兜底中心',
    kind: '监督中心',
    fallback_for: '',
  });
  return (
    await call<{ token: string }>(s.url, 'POST', '/api/users', s.token!, { name: '故障调度员', role: 'dispatcher' })
  ).token;
}

async function storedCases(client: pg.ClientConfig, prefix: string): Promise<Array<{ key: string; id: number }>> {
  const c = new pg.Client(client);
  await c.connect();
  try {
    // Stored keys are "<user id>:<client key>" (keys are per user).
    const r = await c.query(
      `select split_part(idempotency_key, ':', 2) as key, id::int as id from case_record
      where split_part(idempotency_key, ':', 2) like $1`,
      [`${prefix}-%`],
    );
    return r.rows;
  } finally {
    await c.end();
  }
}

function verify(load: LoadResult, stored: Array<{ key: string; id: number }>): void {
  const byKey = new Map<string, number[]>();
  for (const row of stored) byKey.set(row.key, [...(byKey.get(row.key) ?? []), row.id]);
  const lost = [...load.acknowledged.keys()].filter((k) => !byKey.has(k));
  const wrongId = [...load.acknowledged].filter(([k, id]) => byKey.has(k) && !byKey.get(k)!.includes(id));
  const duplicates = [...byKey.values()].filter((ids) => ids.length > 1).length;
  const outage = load.outages.length ? Math.max(...load.outages) : 0;
  console.log(
    `  reports sent ${load.sent}, attempts ${load.attempts}, acknowledged ${load.acknowledged.size}, stored ${stored.length}, duplicates ${duplicates}, lost ${lost.length}`,
  );
  console.log(
    `  what clients saw: ${Object.entries(load.seen)
      .map(([k, n]) => `${k} × ${n}`)
      .join(', ')}`,
  );
  console.log(
    `  outages (s): ${load.outages.map((x) => x.toFixed(1)).join(', ') || 'none'}; longest ${outage.toFixed(1)} s; load took ${(load.ms / 1000).toFixed(1)} s`,
  );
  check(
    load.acknowledged.size === load.sent,
    `every report acknowledged in the end (${load.acknowledged.size}/${load.sent})`,
  );
  check(load.refused.length === 0, `no report refused with a 4xx (${load.refused.slice(0, 3).join('; ') || 'none'})`);
  check(
    lost.length === 0 && wrongId.length === 0,
    `acknowledged = stored (lost ${lost.length}, wrong id ${wrongId.length})`,
  );
  check(
    stored.length === load.acknowledged.size,
    `nothing stored that was not acknowledged (${stored.length} = ${load.acknowledged.size})`,
  );
  check(duplicates === 0, 'no duplicates');
  check(!Object.keys(load.seen).includes('500'), 'no 500 during the outage (503 or a refused connection only)');
}

async function postgresScenario(): Promise<void> {
  console.log('\n== PostgreSQL: pg_ctl restart -m fast, then -m immediate, under load');
  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-faults-pg-'));
  fs.chmodSync(pgDir, 0o777); // the server runs as `postgres` when we are root
  const port = await freePort();
  // Durable settings: with synchronous_commit off an acknowledged commit may be lost by `-m immediate`.
  const env = { ...process.env, PG_DIR: pgDir, PG_PORT: String(port), PG_DURABLE: '1' };
  const url = execFileSync('bash', ['scripts/db-up.sh'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop()!;
  if (!url.startsWith('postgres://') || url.includes(':54329/')) throw new Error(`unexpected cluster URL ${url}`);
  const data = path.join(pgDir, 'data');
  const asOwner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const pgCtl = (mode: string) => async () => {
    const t = Date.now();
    const [cmd, ...args] = [
      ...asOwner,
      '/usr/lib/postgresql/15/bin/pg_ctl',
      'restart',
      '-D',
      data,
      '-m',
      mode,
      '-w',
      '-l',
      path.join(pgDir, 'postgres.log'),
    ];
    await new Promise<void>((resolve, reject) => {
      const p = spawn(cmd, args, { stdio: 'ignore' });
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl restart -m ${mode} exited ${code}`))));
    });
    console.log(`  pg_ctl restart -m ${mode}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };
  let server: Server | undefined;
  try {
    server = await startServer({
      ...process.env,
      DATABASE_URL: url,
      DEMO_CITY: 'false',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
    });
    const token = await prepare(server);
    const prefix = `pg-${Date.now().toString(36)}`;
    const s = server;
    const load = await runLoad({
      url: () => s.url,
      token,
      clients: CLIENTS,
      reportsPerClient: REPORTS,
      prefix,
      deadlineMs: 180_000,
      pauseMs: 30,
      faults: [
        { afterAcks: 40, run: pgCtl('fast') },
        { afterAcks: 100, run: pgCtl('immediate') },
      ],
    });
    await sleep(200);
    check(!server.exited, 'the server process stayed up through both restarts');
    const health = await fetch(`${server.url}/api/health`)
      .then((r) => r.json() as Promise<{ status: string }>)
      .catch(() => ({ status: 'no answer' }));
    check(health.status === 'ok', `/api/health is ok afterwards (${health.status})`);
    verify(load, await storedCases({ connectionString: url }, prefix));
  } finally {
    if (server) await stopServer(server);
    execFileSync('bash', ['scripts/db-down.sh', '--purge'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    fs.rmSync(pgDir, { recursive: true, force: true });
  }
}

async function embeddedScenario(): Promise<void> {
  console.log('\n== embedded database: kill -9 of the server under load, restart on the same DATA_DIR');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-faults-db-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    DEMO_CITY: 'false',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
  };
  delete env.DATABASE_URL;
  let server: Server | undefined;
  let restarted: Server | undefined;
  try {
    server = await startServer(env);
    const token = await prepare(server);
    const prefix = `emb-${Date.now().toString(36)}`;
    let downFor = 0;
    const load = await runLoad({
      url: () => `http://127.0.0.1:${port}`,
      token,
      clients: CLIENTS,
      reportsPerClient: REPORTS / 2,
      prefix,
      deadlineMs: 900_000,
      pauseMs: 30,
      faults: [
        {
          afterAcks: 30,
          run: async () => {
            const t = Date.now();
            server!.child.kill('SIGKILL');
            await new Promise((r) => server!.child.once('exit', r));
            console.log('  kill -9 of the server');
            restarted = await startServer(env);
            downFor = (Date.now() - t) / 1000;
            console.log(`  restarted on the same DATA_DIR (stale lock taken over) after ${downFor.toFixed(1)} s`);
          },
        },
      ],
    });
    check(restarted !== undefined && !restarted.exited, 'the server was restarted once (after kill -9) and is up');
    const lock = JSON.parse(fs.readFileSync(path.join(dataDir, 'wangge.lock'), 'utf8')) as { pid: number };
    check(lock.pid === restarted?.child.pid, 'the restarted server holds the DATA_DIR lock');
    verify(load, await storedCases({ host: dataDir, port: 5432, user: 'postgres', database: 'template1' }, prefix));
  } finally {
    if (restarted) await stopServer(restarted);
    if (server && !server.exited) server.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const overall = setTimeout(() => {
  console.error('test:faults: overall limit of 30 minutes reached');
  process.exit(1);
}, 30 * 60_000);
try {
  if (only !== 'embedded') await postgresScenario();
  if (only !== 'pg') await embeddedScenario();
} catch (e) {
  failures.push((e as Error).message);
  console.error(`error: ${(e as Error).message}`);
}
clearTimeout(overall);
console.log(failures.length ? `\ntest:faults FAILED: ${failures.length} check(s)` : '\ntest:faults passed');
process.exit(failures.length ? 1 : 0);
