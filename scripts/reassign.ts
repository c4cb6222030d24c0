/**
 * npm run reassign [-- --all]: re-run assignment for open cases after grids or the responsibility library changed
 * (the same code as POST /api/assign/rerun). Without --all only cases assigned with an older library version.
 */
import { reassignOpenCases } from '../server/assign/reassign.js';
import { openConfiguredDatabase, runCli } from './cli-db.js';

runCli(async () => {
  const all = process.argv.includes('--all');
  const database = await openConfiguredDatabase();
  try {
    const t = Date.now();
    const r = await reassignOpenCases(database.db, { all, actor: { id: null, name: 'cli:reassign' } });
    console.log(
      `library version ${r.version}: examined ${r.examined} open cases, changed ${r.changed} ` +
        `(department moved on ${r.department_changed}, proposed for ${r.proposed} already dispatched) in ${Date.now() - t} ms`,
    );
  } finally {
    await database.close();
  }
});
