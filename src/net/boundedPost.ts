/**
 * One POST over node:http(s) under the same bounds as net/boundedHandler.ts puts on the SDK's
 * handler: a connect timeout, a total deadline (connect, headers and body together) and a byte cap
 * on the reply, read here before anyone parses it. Failures are node's own errors (ECONNREFUSED…),
 * a TimeoutError for the connect timeout (as the SDK's handler names it), DeadlineError and
 * ReplyTooLargeError, so the caller maps both clients' failures alike. No redirect is followed and
 * no Content-Encoding is undone. No knowledge of STS.
 */
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { readReply, withRequestDeadline } from './bounded.js';

export interface PostRequest {
  readonly url: URL;
  /** The path to send (the URL's, as the caller wants it sent). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface PostLimits {
  readonly connectTimeoutMs: number;
  /** Total time for the exchange. */
  readonly deadlineMs: number;
  readonly capBytes: number;
}

export interface PostReply {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface PostTransport {
  readonly request: typeof import('node:http').request;
  readonly agent: HttpAgent | HttpsAgent;
}

function connectTimeout(ms: number): Error {
  const err = new Error(`Socket timed out without establishing a connection within ${ms} ms`);
  err.name = 'TimeoutError';
  return err;
}

function exchange(t: PostTransport, r: PostRequest, limits: PostLimits, signal: AbortSignal): Promise<PostReply> {
  return new Promise((resolve, reject) => {
    const req = t.request(
      {
        method: 'POST',
        protocol: r.url.protocol,
        hostname: r.url.hostname.replace(/^\[|\]$/g, ''),
        port: r.url.port || undefined,
        path: r.path,
        headers: { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
        agent: t.agent as HttpAgent,
        signal,
      },
      (res) => {
        readReply(res, limits.capBytes).then((body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }), reject);
      },
    );
    req.on('error', reject);
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => req.destroy(connectTimeout(limits.connectTimeoutMs)), limits.connectTimeoutMs);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    req.end(r.body);
  });
}

/** The reply (any status) within `limits`; the deadline error names `url`'s origin. */
export function boundedPost(t: PostTransport, r: PostRequest, limits: PostLimits): Promise<PostReply> {
  const ms = Math.max(1, limits.deadlineMs);
  return withRequestDeadline(r.url.origin, ms, (signal) => exchange(t, r, { ...limits, deadlineMs: ms }, signal));
}
