/**
 * A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL), for network faults the
 * server itself cannot produce on demand:
 *
 * ```ts
 * const proxy = await startFaultProxy(server.port);   // beforeAll
 * const url = proxy.via(prodUrl);                     // the same URL, through the proxy
 * await proxy.refuse();        // nothing listens: ECONNREFUSED (the database is down)
 * await proxy.accept();        // listening again on the same port
 * proxy.blackhole();           // connections are accepted and never answered (a dropped SYN, a
 *                              // missing security-group rule): the client's connect timeout fires
 * proxy.forward();             // back to normal for new connections
 * proxy.cut();                 // every open connection is destroyed, both sides (a network cut)
 * proxy.open                   // connections currently open through the proxy
 * await proxy.stop();          // afterAll
 * ```
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

const LOOPBACK = '127.0.0.1';

export interface FaultProxy {
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  forward(): void;
  blackhole(): void;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  cut(): void;
  /** Open connections stop carrying data, silently, both ways (a NAT entry that expired while a Lambda was frozen). */
  freeze(): void;
  /** Client connections currently open (forwarded or blackholed). */
  readonly open: number;
  /** Client connections accepted since the start. */
  readonly accepted: number;
  stop(): Promise<void>;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  const pairs = new Set<readonly [Socket, Socket]>();
  let mode: 'forward' | 'blackhole' = 'forward';
  let accepted = 0;
  let server: Server | undefined;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A cut connection errors on both sides: never an unhandled 'error' event.
    socket.on('error', () => socket.destroy());
  };

  const onConnection = (client: Socket) => {
    accepted += 1;
    track(client);
    clients.add(client);
    client.on('close', () => clients.delete(client));
    if (mode === 'blackhole') return;
    const upstream = connect(targetPort, LOOPBACK);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const pair = [client, upstream] as const;
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };

  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    const s = createServer(onConnection);
    s.once('error', reject);
    s.listen(port, LOOPBACK, () => {
      server = s;
      const address = s.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });

  const stopListening = () => new Promise<void>((resolve) => {
    const s = server;
    server = undefined;
    if (!s) return resolve();
    // close() stops accepting at once; its callback waits for open connections, we do not.
    s.close();
    resolve();
  });

  const port = await listen(0);

  return {
    port,
    via(url) {
      const u = new URL(url);
      u.hostname = LOOPBACK;
      u.port = String(port);
      return u.toString();
    },
    forward: () => void (mode = 'forward'),
    blackhole: () => void (mode = 'blackhole'),
    refuse: stopListening,
    async accept() {
      if (!server) await listen(port);
    },
    cut() {
      for (const socket of sockets) socket.destroy();
    },
    freeze() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
      }
      pairs.clear();
    },
    get open() {
      return clients.size;
    },
    get accepted() {
      return accepted;
    },
    async stop() {
      await stopListening();
      for (const socket of sockets) socket.destroy();
    },
  };
}
