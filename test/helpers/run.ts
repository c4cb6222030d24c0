/** Runs a TypeScript entry point (scripts/*.ts, server/main.ts) as a child process, the way npm scripts do. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from '../../server/db/index.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment that points a child at the same database as the test (pg) or at a fresh embedded data dir. */
export function childEnv(database: Database & { url?: string }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  if (database.url) return { ...base, DATABASE_URL: database.url };
  delete base.DATABASE_URL;
  return { ...base, DATA_DIR: extra.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-test-')) };
}

export function spawnTs(entry: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runTs(entry: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnTs(entry, args, env);
    let stdout = '',
      stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
