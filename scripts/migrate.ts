/** npm run migrate: apply pending SQL migrations to the configured database. */
import { loadConfig } from '../server/config.js';
import { migrate, openDatabase } from '../server/db/index.js';
import { runCli } from './cli-db.js';
import path from 'node:path';

runCli(async () => {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'db') });
  try {
    const applied = await migrate(database);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
  } finally {
    await database.close();
  }
});
