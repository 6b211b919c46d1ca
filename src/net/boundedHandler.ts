/**
 * The STS client's HTTP handler: the SDK's NodeHttpHandler, wrapped so that each request has a total
 * deadline (connect, headers and body together) and its body is read here under a byte cap before
 * the SDK sees it. The SDK then parses at most MAX_STS_REPLY_BYTES, so a 150 MB reply costs 64 kB of
 * memory and a closed socket, and a one-byte-a-second reply costs one request deadline.
 */
import { Readable } from 'node:stream';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import { checkDeclaredLength, readCapped, withRequestDeadline } from './bounded.js';

type Handle = NodeHttpHandler['handle'];
type Request = Parameters<Handle>[0];
type Options = NonNullable<Parameters<Handle>[1]>;
type Result = Awaited<ReturnType<Handle>>;

/** Extra time the inner handler's own idle timer gets, so the total deadline is always what fires first. */
const INNER_SLACK_MS = 1_000;

export class BoundedHandler {
  readonly metadata: NodeHttpHandler['metadata'];

  constructor(
    private readonly inner: NodeHttpHandler,
    private readonly capBytes: number,
    private readonly defaultDeadlineMs: number,
  ) {
    this.metadata = inner.metadata;
  }

  /** `options.requestTimeout` (per call, clipped to the step's deadline by the caller) is the total deadline. */
  handle(request: Request, options: Options = {}): Promise<Result> {
    const ms = Math.max(1, options.requestTimeout ?? this.defaultDeadlineMs);
    const peer = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
    return withRequestDeadline(peer, ms, (signal) => this.exchange(request, ms, signal), options.abortSignal as AbortSignal | undefined);
  }

  private async exchange(request: Request, ms: number, signal: AbortSignal): Promise<Result> {
    const { response } = await this.inner.handle(request, { abortSignal: signal, requestTimeout: ms + INNER_SLACK_MS });
    const body = response.body as Readable | undefined;
    if (!body) return { response };
    // Abort destroys the response too: a body arriving one byte a second stops at the deadline.
    const stop = () => body.destroy();
    signal.addEventListener('abort', stop, { once: true });
    try {
      checkDeclaredLength(response.headers, this.capBytes);
      const bytes = await readCapped(body, this.capBytes);
      return { response: { statusCode: response.statusCode, reason: response.reason, headers: response.headers, body: Readable.from([bytes]) } };
    } catch (err) {
      body.destroy();
      throw err;
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  updateHttpClientConfig(...args: Parameters<NodeHttpHandler['updateHttpClientConfig']>): void {
    this.inner.updateHttpClientConfig(...args);
  }

  httpHandlerConfigs(): ReturnType<NodeHttpHandler['httpHandlerConfigs']> {
    return this.inner.httpHandlerConfigs();
  }

  destroy(): void {
    this.inner.destroy();
  }
}
