/**
 * The embedded database is ONE PostgreSQL session. SessionLock is held by whoever uses that session for a unit of
 * work — an in-process Kysely connection (a query, or a whole transaction) or a local tool's socket connection
 * (from its first message until PGlite is idle again) — so nobody's statements run inside somebody else's
 * transaction, and extended-protocol messages of two clients never interleave.
 */
import { DatabaseBusyError } from './faults.js';

export class SessionLock {
  private held = false;
  private waiters: Array<() => void> = [];

  /** Waits for the session; with timeoutMs > 0, rejects with DatabaseBusyError after that long. */
  acquire(timeoutMs = 0): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(grant);
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          const i = this.waiters.indexOf(grant);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new DatabaseBusyError(timeoutMs));
        }, timeoutMs);
      }
    });
  }

  /** Hands the session to the next waiter (in arrival order), or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }

  get busy(): boolean {
    return this.held;
  }
}
