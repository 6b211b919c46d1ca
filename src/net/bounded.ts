/**
 * Reading a peer's reply without trusting it: a byte cap checked as the bytes arrive (nothing past
 * the cap is buffered; the connection is destroyed) and a total deadline per request, so a server
 * that sends one byte a second cannot hold the step. Node streams only; no knowledge of STS or GitHub.
 */
import type { Readable } from 'node:stream';
import { seconds } from './limits.js';

/** The peer sent more than the cap allows. */
export class ReplyTooLargeError extends Error {
  readonly code = 'ReplyTooLarge';
  constructor(readonly capBytes: number) {
    super(`the reply is larger than ${Math.round(capBytes / 1024)} KiB and was refused`);
    this.name = 'ReplyTooLargeError';
  }
}

/** The whole exchange (connect, headers, body) took longer than its deadline. */
export class DeadlineError extends Error {
  readonly code = 'RequestDeadline';
  constructor(
    readonly peer: string,
    readonly ms: number,
  ) {
    super(`${peer} did not answer within ${seconds(ms)}`);
    this.name = 'DeadlineError';
  }
}

/** A declared Content-Length over the cap is refused before a byte of the body is read. */
export function checkDeclaredLength(headers: Record<string, string | string[] | undefined>, cap: number): void {
  const declared = headers['content-length'];
  const length = typeof declared === 'string' ? Number(declared) : NaN;
  if (Number.isFinite(length) && length > cap) throw new ReplyTooLargeError(cap);
}

/**
 * An HTTP reply's body under `cap`: a declared Content-Length over it is refused (and the stream
 * destroyed) before a byte is read, else the body is read with readCapped.
 */
export function readReply(res: Readable & { readonly headers: Record<string, string | string[] | undefined> }, cap: number): Promise<Buffer> {
  try {
    checkDeclaredLength(res.headers, cap);
  } catch (err) {
    res.destroy();
    return Promise.reject(err);
  }
  return readCapped(res, cap);
}

/** Reads `stream` to its end, or fails (destroying it) as soon as more than `cap` bytes arrived. */
export function readCapped(stream: Readable, cap: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      stream.destroy();
      reject(err);
    };
    stream.on('data', (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      total += bytes.length;
      if (total > cap) fail(new ReplyTooLargeError(cap));
      else chunks.push(bytes);
    });
    stream.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, total));
    });
    stream.on('error', (err) => fail(err));
    stream.on('close', () => fail(new Error('the connection closed before the reply ended')));
  });
}

/**
 * Runs `work` with an AbortSignal that fires after `ms`; the returned promise rejects with a
 * DeadlineError at that moment, whatever `work` is doing. `work` must destroy its socket on abort.
 */
export async function withRequestDeadline<T>(peer: string, ms: number, work: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new DeadlineError(peer, ms));
      controller.abort();
    }, ms);
  });
  const forward = () => controller.abort();
  outer?.addEventListener('abort', forward);
  if (outer?.aborted) controller.abort();
  try {
    const running = work(controller.signal);
    running.catch(() => undefined); // a late failure after the deadline is already reported
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', forward);
  }
}
