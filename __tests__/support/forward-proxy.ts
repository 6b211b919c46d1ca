/**
 * A forward HTTP proxy on 127.0.0.1 for tests: plain-HTTP requests in absolute form are passed on
 * (the emulator and the OIDC stand-in speak HTTP), CONNECT is tunnelled. Every request is recorded,
 * with the Proxy-Authorization it carried, so a test can tell what went through the proxy.
 */
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import { listenOnLoopback } from './loopback.js';

export interface ProxiedRequest {
  /** `GET http://host:port/path` or `CONNECT host:port` */
  readonly line: string;
  readonly proxyAuthorization?: string;
}

export interface ForwardProxy {
  readonly url: string;
  readonly requests: readonly ProxiedRequest[];
  close(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ line: `${req.method} ${req.url}`, proxyAuthorization: req.headers['proxy-authorization'] });
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const { 'proxy-authorization': _auth, 'proxy-connection': _conn, ...headers } = req.headers;
    const upstream = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req, socket, head) => {
    requests.push({ line: `CONNECT ${req.url}`, proxyAuthorization: req.headers['proxy-authorization'] });
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host ?? '', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  const listening = await listenOnLoopback(server);
  return { url: listening.url, requests, close: listening.close };
}
