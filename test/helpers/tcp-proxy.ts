/**
 * A loopback TCP proxy in front of PostgreSQL that tests (and scripts/faults.ts) can break on purpose without
 * touching the server: `down()` refuses and drops every connection (a restart), `freeze()` stops forwarding bytes
 * (kill -STOP: connections stay open, nothing answers), `up()` heals.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  down(): Promise<void>;
  freeze(): void;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let frozen = false;
  const pairs = new Set<[net.Socket, net.Socket]>();
  const held: Array<() => void> = [];
  const pipe = (from: net.Socket, to: net.Socket) => {
    from.on('data', (d) => {
      if (!frozen) to.write(d);
      else held.push(() => to.write(d)); // delivered after the thaw, like a SIGCONT'd server
    });
  };
  const onConnection = (client: net.Socket) => {
    const server = net.connect(targetPort, targetHost);
    const pair: [net.Socket, net.Socket] = [client, server];
    pairs.add(pair);
    pipe(client, server);
    pipe(server, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
  };
  let listener: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      listener = net.createServer(onConnection);
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => {
        port = (listener!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      const l = listener;
      listener = undefined;
      if (!l) return resolve();
      l.close(() => resolve());
    });
  await listen();
  const proxy: TcpProxy = {
    get port() {
      return port;
    },
    async down() {
      frozen = false;
      held.length = 0;
      const closing = stopListening();
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await closing;
    },
    freeze() {
      frozen = true;
    },
    async up() {
      frozen = false;
      for (const f of held.splice(0)) f();
      if (!listener) await listen();
    },
    async close() {
      await proxy.down();
    },
  };
  return proxy;
}
