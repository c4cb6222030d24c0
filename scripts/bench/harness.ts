/**
 * Shared by the benchmark scripts (bench-tiles.ts, bench-assign.ts): scratch databases on the DATABASE_URL server,
 * loading a generated city, an in-process server, runners with N requests in flight (in-process, or an HTTP client
 * in a worker thread), percentiles, and Markdown tables.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import type { Database } from '../../server/db/index.js';
import { generateCity, type City } from '../../server/demo/city/generate.js';
import { importRegions } from '../../server/importexport/import.js';

// -- arguments ----------------------------------------------------------------------------------------------------

/**
 * Parses the benchmark's options with `parse` (node:util parseArgs, its options including `help`): prints `usage` and
 * exits 0 on --help; prints the problem and `usage` and exits 2 on an unknown option, a missing value, or a value of
 * `integers` that is not a positive integer (or, for a list, comma-separated positive integers).
 */
export function benchArgs<V extends { help?: boolean }>(
  bench: string,
  usage: string,
  parse: () => { values: V },
  integers: (keyof V & string)[],
): V {
  const fail = (msg: string): never => {
    console.error(`${bench}: ${msg}\n${usage}`);
    process.exit(2);
  };
  let values: V;
  try {
    values = parse().values;
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  for (const k of integers) {
    const v = String(values[k]);
    if (!v.split(',').every((x) => /^[1-9]\d*$/.test(x))) fail(`--${k} must be a positive integer, got "${v}"`);
  }
  return values;
}

// -- scratch databases --------------------------------------------------------------------------------------------

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
  console.error(
    `${bench} needs a PostgreSQL + PostGIS server: set DATABASE_URL, e.g.\n` +
      '  export DATABASE_URL=$(bash scripts/db-up.sh | tail -1)\n' +
      what,
  );
  process.exit(2);
}

/** A logger to stderr with the benchmark's name. */
export const logger = (bench: string) => (msg: string) => process.stderr.write(`${bench}: ${msg}\n`);

/** Generates a city of about `target` grids and imports it, logging progress every 10 %. */
export async function loadCity(
  database: Database,
  target: number,
  bench: string,
  log: (msg: string) => void,
): Promise<City> {
  const t0 = Date.now();
  log(`generating a city of ~${target} grids`);
  const city = generateCity({ targetGrids: target });
  log(`generated ${city.features.length} features in ${secs(Date.now() - t0)} s; importing`);
  let last = -1;
  await importRegions(
    database,
    { type: 'FeatureCollection', features: city.features },
    {
      actor: { id: null, name: bench },
      onProgress: (done, total) => {
        const pct = Math.floor((done / total) * 10) * 10;
        if (pct !== last) {
          last = pct;
          log(`staged ${done}/${total}`);
        }
      },
    },
  );
  return city;
}

// -- the app in-process -------------------------------------------------------------------------------------------

export interface Server {
  url: string;
  close(): Promise<void>;
}

/** The whole Koa app on a free local port, configured from the environment plus `overrides`. */
export async function startServer(database: Database, overrides: Partial<Config> = {}): Promise<Server> {
  const config = { ...loadConfig(process.env), ...overrides };
  const app = buildApp({ config, database, log: pino({ level: 'silent' }) });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// -- runners and percentiles --------------------------------------------------------------------------------------

export interface Run {
  n: number;
  perS: number;
  p50: number;
  p95: number;
  p99: number;
  /** Largest response (bytes) where the runner measures them, else 0. */
  maxBytes: number;
}

export function summarise(ms: number[], wall: number, maxBytes = 0): Run {
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0;
  return { n: ms.length, perS: ms.length / wall, p50: q(0.5), p95: q(0.95), p99: q(0.99), maxBytes };
}

/** Runs fn over the items with `concurrency` in flight; a number fn returns counts as a response size. */
export async function measure<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<Run> {
  const ms: number[] = [];
  let maxBytes = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        const s = performance.now();
        const r = await fn(item);
        if (typeof r === 'number') maxBytes = Math.max(maxBytes, r);
        ms.push(performance.now() - s);
      }
    }),
  );
  return summarise(ms, (performance.now() - t0) / 1000, maxBytes);
}

/** One HTTP request of a run: GET without a body, POST (JSON) with one. */
export interface HttpRequest {
  path: string;
  body?: string;
}

export interface HttpRunOptions {
  concurrency: number;
  /** Statuses that count as success; any other fails the run. */
  ok: number[];
  headers?: Record<string, string>;
}

/**
 * The HTTP client runs in a worker thread, so the server's event loop only serves (as it would for remote clients);
 * it sends each request once with `concurrency` in flight and measures the latency and the response size.
 */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { base, requests, concurrency, ok, headers } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const send = ({ path, body }) => new Promise((resolve, reject) => {
  const h = body === undefined ? headers
    : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  const req = http.request(base + path, { method: body === undefined ? 'GET' : 'POST', agent, headers: h }, (res) => {
    let n = 0, text = '';
    res.on('data', (c) => { n += c.length; if (text.length < 300) text += c.toString('utf8'); });
    res.on('end', () => (ok.includes(res.statusCode) ? resolve(n)
      : reject(new Error('HTTP ' + res.statusCode + ' for ' + path + ': ' + text.slice(0, 300)))));
  });
  req.on('error', reject);
  req.end(body);
});
(async () => {
  const ms = [];
  let maxBytes = 0, next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, async () => {
    while (next < requests.length) {
      const r = requests[next++];
      const s = performance.now();
      maxBytes = Math.max(maxBytes, await send(r));
      ms.push(performance.now() - s);
    }
  }));
  agent.destroy();
  parentPort.postMessage({ ms, wall: (performance.now() - t0) / 1000, maxBytes });
})().catch((e) => parentPort.postMessage({ error: e.message }));
`;

export function httpRun(base: string, requests: HttpRequest[], opts: HttpRunOptions): Promise<Run> {
  return new Promise((resolve, reject) => {
    const w = new Worker(CLIENT, { eval: true, workerData: { base, requests, headers: {}, ...opts } });
    w.once('message', (m: { ms: number[]; wall: number; maxBytes: number; error?: string }) => {
      void w.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(summarise(m.ms, m.wall, m.maxBytes));
    });
    w.once('error', reject);
  });
}

// -- printing -----------------------------------------------------------------------------------------------------

export const f1 = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
export const f2 = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
export const secs = (ms: number) => (ms / 1000).toFixed(1);

/** A Markdown table. */
export function printTable(head: string[], rows: string[][]): void {
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** Wall time and the machine's load at start and end (other work on the machine skews the figures). */
export function stopwatch(): { footer(): string } {
  const started = Date.now();
  const atStart = loadavg();
  return {
    footer: () =>
      `total ${secs(Date.now() - started)} s on ${os.cpus().length} CPUs; load average at start ${atStart}, ` +
      `at end ${loadavg()} (other work on the machine skews the figures)`,
  };
}

// -- CPU and memory -----------------------------------------------------------------------------------------------

/**
 * CPU seconds of this process and of the PostgreSQL backends serving database `dbName` (their /proc entries, whose
 * command line names the database, sampled every 100 ms so that short-lived connections count too; the server must
 * run on this machine, else the PostgreSQL figure is 0): the machine is shared, so wall times depend on what else
 * runs; CPU time does not. Call the returned function to stop and read.
 */
export function cpuMeter(dbName: string): () => { node: number; pg: number } {
  const tick = 100; // USER_HZ
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  // Whether a process is one of the database's backends, decided once per pid (reading every command line at each
  // sample cost this process ~4 % of a core).
  const ours = new Map<string, boolean>();
  const sample = () => {
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        let match = ours.get(d);
        if (match === undefined) {
          const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
          match = cmd.includes(` ${dbName} `);
          // A backend just forked may not show its title yet: other postgres processes are asked again.
          if (match || !cmd.startsWith('postgres')) ours.set(d, match);
        }
        if (!match) continue;
        const f = fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ');
        const t = (Number(f[11]) + Number(f[12])) / tick;
        if (!first.has(Number(d))) first.set(Number(d), t);
        last.set(Number(d), t);
      } catch {
        // gone meanwhile
      }
    }
  };
  sample();
  for (const [pid, t] of last) first.set(pid, t);
  const timer = setInterval(sample, 100);
  const node0 = process.cpuUsage();
  return () => {
    clearInterval(timer);
    sample();
    const u = process.cpuUsage(node0);
    let pg = 0;
    for (const [pid, t] of last) pg += t - (first.get(pid) ?? t);
    return { node: (u.user + u.system) / 1e6, pg };
  };
}

/**
 * Peak resident set and V8 heap of this process while it runs (sampled every 5 ms, and when stopped: synchronous
 * work between samples can peak higher unseen; process.resourceUsage().maxRSS is the process's peak since it began).
 */
export function memoryPeak(): () => { rss: number; heap: number } {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 5);
  return () => {
    clearInterval(timer);
    sample();
    return { rss, heap };
  };
}

export const mb = (bytes: number) => (bytes / 1048576).toFixed(0);
