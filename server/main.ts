/** Process entry: config → database → migrate → demo city → admin → app → listen; graceful shutdown. */
import http from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { buildApp } from './app.js';
import { showAdminToken } from './auth/admin-token.js';
import { createUser, countUsers } from './auth/tokens.js';
import { loadConfig } from './config.js';
import { migrate, openDatabase, redact } from './db/index.js';
import { isEmpty, loadDemoCity } from './demo/load.js';

async function main() {
  const config = loadConfig();
  // Synchronous stdout logging: lines stay in order with the start-up banner and none are lost on exit.
  // Tokens and Authorization headers are censored should any log call ever carry them.
  const logRedact = {
    paths: ['authorization', 'token', '*.authorization', '*.token', '*.headers.authorization'],
    censor: '[redacted]',
  };
  const log = pino({ level: config.logLevel, redact: logRedact }, pino.destination({ dest: 1, sync: true }));
  const where = config.databaseUrl
    ? `PostgreSQL ${redact(config.databaseUrl)}`
    : `embedded PGlite in ${path.join(config.dataDir, 'db')}`;
  log.info(`opening ${where}`);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: path.join(config.dataDir, 'db'),
    timeouts: config.db,
    serveSocketIn: config.databaseUrl ? undefined : config.dataDir, // local tools reach the embedded database here
    onFault: (m) => log.warn(m),
  });
  // Last resort: whatever error escapes (a database socket, a library's stray rejection) is logged; the server keeps
  // serving. Requests that hit it have already been answered (503 for database faults) by the problem middleware.
  process.on('uncaughtException', (e) => log.error({ err: e }, 'uncaught exception (the server keeps running)'));
  process.on('unhandledRejection', (e) => log.error({ err: e }, 'unhandled rejection (the server keeps running)'));
  const applied = await migrate(database);
  if (applied.length) log.info(`applied migrations: ${applied.join(', ')}`);

  if (config.demoCity && (await isEmpty(database))) {
    const t = Date.now();
    const s = await loadDemoCity(database, { log });
    log.info(
      `loaded the demo city: ${s.counts.street.inserted} streets, ${s.counts.community.inserted} communities, ${s.counts.grid.inserted} unit grids in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  }
  const app = buildApp({ config, database, log });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(`port ${config.port} on ${config.host} is already in use; set PORT to another port`)
          : e,
      ),
    );
    server.listen(config.port, config.host, resolve);
  });
  // The first admin is created only once the server is listening, so its token is never lost to a failed start.
  let adminToken: string | undefined;
  if ((await countUsers(database.db)) === 0) adminToken = (await createUser(database.db, 'admin', 'admin')).token;
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const port = (server.address() as import('node:net').AddressInfo).port;
  const url = `http://${shown}:${port}/`;
  console.log(`\n  wangge is running: ${url}  (driver: ${database.driver})`);
  // Printed only on a terminal; otherwise written to DATA_DIR/admin-token (0600) so that it never lands in a log.
  if (adminToken)
    for (const line of showAdminToken(adminToken, config.dataDir, !!process.stdout.isTTY)) console.log(line);
  console.log('');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: shutting down`);
    server.close();
    server.closeAllConnections();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  console.error(`wangge failed to start: ${(e as Error).message}`);
  process.exit(1); // also releases an embedded database that was already open
});
