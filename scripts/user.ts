/** npm run user -- <name> <role> [region-scope]: create a user and print its bearer token once. */
import { ROLES, createUser } from '../server/auth/tokens.js';
import type { Role } from '../server/db/schema.js';
import { openConfiguredDatabase, runCli } from './cli-db.js';

runCli(async () => {
  const [name, role, scope = ''] = process.argv.slice(2);
  if (!name || !role) throw new Error(`usage: npm run user -- <name> <${ROLES.join('|')}> [region-code prefix]`);
  if (!ROLES.includes(role as Role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  if (!/^[0-9]*$/.test(scope)) throw new Error('the region scope must be a code prefix of digits');
  const database = await openConfiguredDatabase();
  try {
    const { user, token } = await createUser(database.db, name, role as Role, scope);
    console.log(`created user ${user.name} (#${user.id}, ${user.role}${scope ? `, scope ${scope}` : ''})`);
    console.log(`token (shown once): ${token}`);
  } finally {
    await database.close();
  }
});
