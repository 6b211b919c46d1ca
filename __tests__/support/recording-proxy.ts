/**
 * A loopback HTTP proxy that records every request byte for byte and forwards it unchanged (method, path, headers,
 * body) to a target such as the STS emulator, then relays the answer. Development/test only.
 *
 * Why: the emulator logs request parameters but, by design, never the raw `WebIdentityToken`; tests that must know
 * the exact bytes a client sent (botocore sends a token file untrimmed) read them here. Headers are forwarded as
 * received, `Host` included, so SigV4 signatures still verify behind the proxy.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as a form (STS Query API); empty for other bodies. */
  form: Record<string, string>;
}

export interface RecordingProxy {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** The `WebIdentityToken` values of every AssumeRoleWithWebIdentity request, in order, exactly as sent. */
  webIdentityTokens(): string[];
  clear(): void;
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const to = new URL(target);
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const type = String(req.headers['content-type'] ?? '');
      const form = type.startsWith('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(text)) : {};
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: text, form });
      const upstream = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', (err) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`recording-proxy: ${err.message}`);
      });
      upstream.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    webIdentityTokens: () => requests.filter((r) => r.form['Action'] === 'AssumeRoleWithWebIdentity').map((r) => r.form['WebIdentityToken'] ?? ''),
    clear: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
