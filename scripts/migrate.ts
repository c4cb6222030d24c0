/** npm run migrate: apply pending SQL migrations to the configured database (also while the server runs). */
import { migrate } from '../server/db/index.js';
import { openConfiguredDatabase, runCli } from './cli-db.js';

runCli(async () => {
  const database = await openConfiguredDatabase({ migrate: false });
  try {
    const applied = await migrate(database);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
  } finally {
    await database.close();
  }
});
