/** A test server on 127.0.0.1 that can be closed at once, even with hung connections open. */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LoopbackServer {
  readonly url: string;
  readonly port: number;
  /** Destroys every open connection (hang faults keep some open), then closes the server. */
  close(): Promise<void>;
}

export async function listenOnLoopback(server: Server, port = 0): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
