import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback between the gateway and PostgreSQL, to make the network fail for real:
 * `pause()` stops forwarding bytes both ways (a partition, a SIGSTOPped server: connections are
 * accepted, nothing answers), `stop()` closes the port and every connection (the server is gone:
 * ECONNREFUSED), `start()` and `resume()` undo them.
 */
export interface TcpProxy {
  port: number;
  /** `postgres://…` for the target URL, with the proxy's port. */
  url(targetUrl: string): string;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let paused = false;
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];

  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (paused) held.push(() => to.destroyed || to.write(chunk));
      else to.write(chunk);
    });
  };

  const onConnection = (client: Socket) => {
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream);
    forward(upstream, client);
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const port = await listen(0);

  const stop = async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    held.length = 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    port,
    url: (targetUrl) => {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      for (const flush of held.splice(0)) flush();
    },
    stop,
    start: async () => {
      server = createServer(onConnection);
      await listen(port);
    },
    close: async () => {
      if (server.listening) await stop();
      else for (const s of sockets) s.destroy();
    },
  };
}
