/**
 * Serves the embedded database to local command-line tools (npm run user / import / export / reassign / migrate)
 * over a unix socket in DATA_DIR, mode 0600 (only the same OS user can connect), speaking the PostgreSQL wire
 * protocol: PGlite answers each frontend message (execProtocolRawStream). Tools connect with pg (host = DATA_DIR).
 *
 * Correctness: PGlite is one session. A socket connection takes the session lock at its first message and keeps it
 * until PGlite answers ReadyForQuery with status 'I' (idle, no transaction open), so the server's own queries never
 * run inside a tool's transaction, and Parse/Bind/Execute…Sync sequences of two clients never interleave. A tool
 * that disconnects mid-transaction is rolled back and the session released. (pglite-socket's own server releases
 * PGlite between messages and follows transactions only among its socket clients, not the in-process Kysely, so it
 * is not used here.)
 */
import fs from 'node:fs';
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { SessionLock } from './session-lock.js';

const SSL_REQUEST = 80877103,
  GSSENC_REQUEST = 80877104,
  CANCEL_REQUEST = 80877102;

/** Starts listening on socketPath; resolves to a function that stops the server and drops every connection. */
export async function serveLocalSocket(
  pglite: PGlite,
  session: SessionLock,
  socketPath: string,
): Promise<() => Promise<void>> {
  fs.rmSync(socketPath, { force: true }); // left by a killed server (we hold the DATA_DIR lock, so it is stale)
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(pglite, session, socket);
  });
  server.on('error', (e) => console.error(`local database socket: ${e.message}`));
  const umask = process.umask(0o177); // the socket file is created 0600
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
  } finally {
    process.umask(umask);
  }
  fs.chmodSync(socketPath, 0o600);
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(socketPath, { force: true });
  };
}

function serveConnection(pglite: PGlite, session: SessionLock, socket: net.Socket): void {
  let buffer: Buffer = Buffer.alloc(0);
  let startup = true; // the first message(s) have no type byte
  let holding = false;
  let closed = false;
  let work = Promise.resolve();
  const backend = new BackendScanner();

  const run = async (message: Uint8Array) => {
    if (closed) return;
    if (!holding) {
      await session.acquire();
      holding = true;
      if (closed) return finish();
    }
    backend.startMessage();
    await pglite.runExclusive(() =>
      pglite.execProtocolRawStream(message, {
        onRawData: (chunk: Uint8Array) => {
          backend.feed(chunk);
          if (!socket.destroyed) socket.write(chunk);
        },
      }),
    );
    if (backend.idleAfterMessage()) {
      holding = false;
      session.release();
    }
  };

  // A tool that goes away mid-transaction must not leave the session inside its transaction.
  const finish = async () => {
    if (!holding) return;
    try {
      if (pglite.isInTransaction() || backend.lastStatus !== 'I') await pglite.exec('rollback'); // exec takes PGlite's mutex itself
    } catch {
      /* nothing open */
    } finally {
      holding = false;
      session.release();
    }
  };

  const enqueue = (message: Uint8Array) => {
    work = work
      .then(() => run(message))
      .catch((e) => {
        socket.destroy(e as Error);
      });
  };

  socket.on('data', (data) => {
    buffer = buffer.length ? Buffer.concat([buffer, data]) : data;
    while (!closed) {
      if (startup) {
        if (buffer.length < 8) break;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) break;
        const code = buffer.readInt32BE(4);
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          socket.write('N'); // no TLS over a local socket
          continue;
        }
        if (code === CANCEL_REQUEST) {
          socket.end();
          return;
        }
        startup = false;
        enqueue(new Uint8Array(message));
        continue;
      }
      if (buffer.length < 5) break;
      const length = 1 + buffer.readInt32BE(1);
      if (buffer.length < length) break;
      const message = buffer.subarray(0, length);
      buffer = buffer.subarray(length);
      if (message[0] === 0x58 /* X: Terminate */) {
        socket.end();
        return;
      }
      enqueue(new Uint8Array(message));
    }
  });
  socket.on('error', () => undefined); // a tool killed mid-query: its socket errors, the server goes on
  socket.on('close', () => {
    closed = true;
    work = work.then(finish, finish);
  });
}

/** Follows PGlite's answer stream (type byte + int32 length framing) to see the last ReadyForQuery status. */
class BackendScanner {
  lastStatus = 'I';
  private pending: Buffer = Buffer.alloc(0);
  private readyThisMessage = false;
  private otherAfterReady = false;

  startMessage(): void {
    this.readyThisMessage = false;
    this.otherAfterReady = false;
  }

  feed(chunk: Uint8Array): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    while (this.pending.length >= 5) {
      const length = 1 + this.pending.readInt32BE(1);
      if (this.pending.length < length) break;
      if (this.pending[0] === 0x5a /* Z: ReadyForQuery */) {
        this.lastStatus = String.fromCharCode(this.pending[5]);
        this.readyThisMessage = true;
        this.otherAfterReady = false;
      } else if (this.readyThisMessage) {
        this.otherAfterReady = true;
      }
      this.pending = this.pending.subarray(length);
    }
  }

  /** True when the message just run ended with ReadyForQuery 'I': the session is free for others. */
  idleAfterMessage(): boolean {
    return this.readyThisMessage && !this.otherAfterReady && this.lastStatus === 'I' && this.pending.length === 0;
  }
}
