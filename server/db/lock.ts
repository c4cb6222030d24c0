/**
 * Exclusive lock on DATA_DIR for the embedded database: DATA_DIR/wangge.lock holds the owner's pid (and the unix
 * socket it serves, if any). A lock whose process is gone (kill -9, power loss) is stale and taken over; a live one
 * makes a second process refuse to open the same database (two PGlite instances on one data directory corrupt it).
 */
import fs from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'wangge.lock';
/** Socket file name in DATA_DIR: pg connects to `host=DATA_DIR` (port 5432) through it. */
export const SOCKET_FILE = '.s.PGSQL.5432';

export interface LockInfo {
  pid: number;
  /** Unix socket over which the owner serves the database to local tools (absent: the owner is a tool). */
  socket?: string;
  /** What holds it: "server" or the tool's name. */
  owner: string;
  since: string;
}

export class DataDirLocked extends Error {
  constructor(
    public dir: string,
    public holder: LockInfo,
  ) {
    super(
      `the embedded database in ${dir} is in use by process ${holder.pid} (${holder.owner}, since ${holder.since}); ` +
        'only one process may open it. Stop that process, or use DATABASE_URL',
    );
  }
}

export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

/** The lock's holder if a live process holds it, else undefined (no lock, unreadable, or stale). */
export function readLock(dir: string): LockInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as LockInfo;
    return alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export interface DataDirLock {
  info: LockInfo;
  /** Records the socket the owner now serves. */
  setSocket(socket: string): void;
  release(): void;
}

/** Takes the lock on `dir` (created if missing) or throws DataDirLocked. Released on process exit too. */
export function lockDataDir(dir: string, owner: string): DataDirLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, owner, since: new Date().toISOString() };
  const write = () => {
    // Write the whole content to a private file, then link it into place: link fails if the lock exists, so two
    // processes never both win, and nobody ever reads a half-written lock.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return false;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  };
  for (let attempt = 0; ; attempt++) {
    if (write()) break;
    let holder: LockInfo | undefined;
    try {
      holder = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    } catch {
      holder = undefined; // unreadable: treat as stale
    }
    if (holder && alive(holder.pid)) throw new DataDirLocked(dir, holder);
    if (attempt >= 3) throw new Error(`cannot take the lock ${file}`);
    // Stale (its process is gone): move it aside atomically; only one of several racing processes succeeds.
    const aside = `${file}.stale.${process.pid}`;
    try {
      fs.renameSync(file, aside);
      const moved = JSON.parse(fs.readFileSync(aside, 'utf8')) as LockInfo;
      // Another process replaced the stale lock between our read and our rename: put its live lock back.
      if (holder && moved.pid !== holder.pid && alive(moved.pid)) fs.linkSync(aside, file);
    } catch {
      /* another process took it over first; try again */
    }
    fs.rmSync(aside, { force: true });
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    try {
      const now = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
      if (now.pid === process.pid) fs.rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
    process.off('exit', release);
  };
  process.on('exit', release);
  return {
    info,
    setSocket(socket) {
      info.socket = socket;
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
      fs.renameSync(tmp, file);
    },
    release,
  };
}
