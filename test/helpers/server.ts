/** Starts the real Koa app on a free loopback port over a given database. */
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import type { Database } from '../../server/db/index.js';

export interface TestServer {
  url: string;
  config: Config;
  close(): Promise<void>;
}

export async function startTestServer(database: Database, env: Record<string, string> = {}): Promise<TestServer> {
  // Uploaded media go to a fresh temporary directory unless the test names one (never ./var/media).
  const mediaDir = env.MEDIA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'wangge-media-'));
  const config = { ...loadConfig({ ...env, MEDIA_DIR: mediaDir }), port: 0, host: '127.0.0.1' };
  const app = buildApp({ config, database, log: pino({ level: process.env.LOG_LEVEL ?? 'silent' }) });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          if (!env.MEDIA_DIR) fs.rmSync(mediaDir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
