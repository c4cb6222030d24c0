/** npm run user -- <name> <role> [region-scope] [department]: create a user and print its bearer token once. */
import { ROLES, createUser } from '../server/auth/tokens.js';
import type { Role } from '../server/db/schema.js';
import { openConfiguredDatabase, runCli } from './cli-db.js';

runCli(async () => {
  const [name, role, scope = '', department] = process.argv.slice(2);
  if (!name || !role)
    throw new Error(`usage: npm run user -- <name> <${ROLES.join('|')}> [region-code prefix] [department code]`);
  if (!ROLES.includes(role as Role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  if (!/^[0-9]*$/.test(scope)) throw new Error('the region scope must be a code prefix of digits');
  const database = await openConfiguredDatabase();
  try {
    if (role === 'department_handler' && !department)
      throw new Error('a department_handler needs a department code (4th argument)');
    const { user, token } = await createUser(database.db, name, role as Role, scope, department ?? null);
    console.log(
      `created user ${user.name} (#${user.id}, ${user.role}${scope ? `, scope ${scope}` : ''}${department ? `, department ${department}` : ''})`,
    );
    console.log(`token (shown once): ${token}`);
  } finally {
    await database.close();
  }
});
