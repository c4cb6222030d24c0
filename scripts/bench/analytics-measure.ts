/**
 * Timing of one bench:analytics measurement: the fastest of `runs` runs (wall), with its CPU (this process, and the
 * PostgreSQL backends of the fixture database: harness.ts cpuMeter) and the peak resident set and heap over all runs
 * (harness.ts memoryPeak); and the R spdep anchor (analytics-spdep.R) run as a child process.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMeter, f2, mb, memoryPeak } from './harness.js';

export interface Timing {
  /** Fastest wall time, ms. */
  wall: number;
  /** CPU seconds of the fastest run: this process and the database's backends. */
  node: number;
  pg: number;
  /** Peak RSS and heap over the runs, bytes. */
  rss: number;
  heap: number;
  runs: number;
}

export async function timed<T>(
  dbName: string,
  runs: number,
  fn: (k: number) => Promise<T>,
  before?: () => void,
): Promise<{ t: Timing; last: T }> {
  let best: Timing | null = null;
  let last: T | undefined;
  const peak = memoryPeak();
  for (let k = 0; k < runs; k++) {
    before?.();
    const cpu = cpuMeter(dbName);
    const t0 = performance.now();
    last = await fn(k);
    const wall = performance.now() - t0;
    const c = cpu();
    if (!best || wall < best.wall) best = { wall, node: c.node, pg: c.pg, rss: 0, heap: 0, runs };
  }
  const m = peak();
  return { t: { ...best!, rss: m.rss, heap: m.heap }, last: last as T };
}

/** Table cells of a timing: wall ms, CPU node + pg s, peak RSS / heap MB. */
export const timingCells = (t: Timing): string[] => [
  t.wall >= 1000 ? `${f2(t.wall / 1000)} s` : `${t.wall.toFixed(0)} ms`,
  `${f2(t.node)} + ${f2(t.pg)} s`,
  `${mb(t.rss)} / ${mb(t.heap)}`,
];

export const TIMING_HEAD = ['wall (best)', 'CPU node + pg', 'peak RSS / heap MB'];

export interface Spdep {
  /** localG over all steps, and the neighbour list built (nb + nb2listw), seconds (R's own clock). */
  localG: number;
  lists: number;
  /** The whole Rscript run (start, library loading, reading, lists, localG, writing), seconds. */
  whole: number;
  /** R's peak RSS, bytes. */
  rss: number;
  /** z[t][i]. */
  z: Float64Array[];
}

const RSCRIPT = process.env.RSCRIPT ?? '/usr/bin/Rscript';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'analytics-spdep.R');

/** Whether R with spdep can be run here: null if so, else why not. */
export async function spdepMissing(): Promise<string | null> {
  if (!fs.existsSync(RSCRIPT)) return `${RSCRIPT} not found`;
  return new Promise((resolve) =>
    execFile(RSCRIPT, ['-e', 'library(spdep)'], (e) => resolve(e ? 'R package spdep not installed' : null)),
  );
}

/** spdep's localG on the counts of each step (`counts[t][i]`) over the neighbour lists (compressed sparse rows). */
export async function runSpdep(
  nb: { offsets: Int32Array; targets: Int32Array },
  counts: ArrayLike<number>[],
): Promise<Spdep> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-spdep-'));
  try {
    const n = nb.offsets.length - 1;
    const x = new Float64Array(n * counts.length);
    counts.forEach((c, t) => x.set(Float64Array.from(c), t * n));
    const write = (f: string, a: ArrayBufferView) =>
      fs.writeFileSync(path.join(dir, f), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    write('offsets.bin', nb.offsets);
    write('targets.bin', nb.targets);
    write('counts.bin', x);
    const t0 = performance.now();
    const out = await new Promise<string>((resolve, reject) =>
      execFile(RSCRIPT, [SCRIPT, dir, String(n), String(counts.length)], { maxBuffer: 1 << 20 }, (e, stdout, stderr) =>
        e ? reject(new Error(`Rscript: ${e.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const whole = (performance.now() - t0) / 1000;
    const v = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .map(([k, s]) => [k, Number(s)]),
    );
    const buf = fs.readFileSync(path.join(dir, 'z.bin'));
    const all = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
    const z = counts.map((_, t) => all.slice(t * n, (t + 1) * n));
    return { localG: v.localG, lists: v.lists, whole, rss: v.hwm_kb * 1024, z };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The largest |a − b| over all steps and units. */
export function maxAbsDiff(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  let d = 0;
  for (let t = 0; t < a.length; t++) for (let i = 0; i < a[t].length; i++) d = Math.max(d, Math.abs(a[t][i] - b[t][i]));
  return d;
}
