/**
 * The first admin's token is shown once and never written into a log. On a terminal it is printed; when stdout is
 * not a terminal (a service manager, a pipe, a file: that output IS the log) it is written to DATA_DIR/admin-token
 * with mode 0600 and only that path is printed.
 */
import fs from 'node:fs';
import path from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** The lines to print for a new admin token; writes the token file when `tty` is false. */
export function showAdminToken(token: string, dataDir: string, tty: boolean): string[] {
  if (tty) return [`  admin token (shown once, keep it): ${token}`];
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  fs.rmSync(file, { force: true }); // a file left from an earlier database: replace it, with our mode
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return [
    `  admin token written to ${file} (mode 0600; stdout is not a terminal, so it is not printed): read it, keep it, delete the file`,
  ];
}
