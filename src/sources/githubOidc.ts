/**
 * The GitHub OIDC token: requested from the runner's token service, masked, retried, re-minted near
 * expiry. The reply is read under a byte cap and a total deadline; an error body is quoted short and
 * redacted, never with the request token or an Authorization header in it.
 */
import * as core from '../base/runner.js';
import { UserError } from '../base/errors.js';
import { withRetry, DEFAULT_BACKOFF } from '../base/retry.js';
import { agentOptions, type ProxyEnv } from '../net/proxy.js';
import { readReply, ReplyTooLargeError, withRequestDeadline } from '../net/bounded.js';
import { diagnostic } from '../net/diagnostic.js';
import { MAX_TOKEN_REPLY_BYTES, REQUEST_DEADLINE_MS } from '../net/limits.js';

/**
 * The request token lets anyone in the job mint OIDC tokens; the runner does not mask it. Called at
 * the start of the step, before any request, so no later echo of it can reach the log.
 */
export function maskRequestToken(env: NodeJS.ProcessEnv = process.env): void {
  const bearer = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  if (bearer) core.setSecret(bearer);
}

/** Non-secret claims, kept to explain a trust-policy mismatch. */
export interface TokenClaims {
  readonly iss?: string;
  readonly aud?: string | string[];
  readonly sub?: string;
  readonly repository?: string;
  readonly ref?: string;
  readonly environment?: string;
  readonly job_workflow_ref?: string;
  /** GitHub's immutable numeric IDs (strings in the token), for the immutable form of `sub`. */
  readonly repository_owner_id?: string;
  readonly repository_id?: string;
  readonly exp?: number;
}

export function decodeClaims(jwt: string): TokenClaims | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const pick = <T>(k: string, type: string): T | undefined => (typeof claims[k] === type ? (claims[k] as T) : undefined);
    return {
      iss: pick('iss', 'string'),
      aud: typeof claims['aud'] === 'string' || Array.isArray(claims['aud']) ? (claims['aud'] as string | string[]) : undefined,
      sub: pick('sub', 'string'),
      repository: pick('repository', 'string'),
      ref: pick('ref', 'string'),
      environment: pick('environment', 'string'),
      job_workflow_ref: pick('job_workflow_ref', 'string'),
      repository_owner_id: pick('repository_owner_id', 'string'),
      repository_id: pick('repository_id', 'string'),
      exp: pick('exp', 'number'),
    };
  } catch {
    return undefined;
  }
}

/** Re-mint when less than this is left: the token must outlive the STS call and its retries. */
const REFRESH_MARGIN_S = 60;

export class GithubTokenSource {
  private cached?: { token: string; claims?: TokenClaims };

  constructor(
    private readonly audience: string,
    private readonly deadline: number,
    private readonly maxAttempts: number,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly proxyEnv?: ProxyEnv,
  ) {}

  async token(forceRefresh = false, now: number = Date.now()): Promise<string> {
    const exp = this.cached?.claims?.exp;
    const fresh = this.cached && (exp === undefined || exp - now / 1000 > REFRESH_MARGIN_S);
    if (fresh && !forceRefresh) return this.cached!.token;
    const token = await withRetry(
      { maxAttempts: this.maxAttempts, ...DEFAULT_BACKOFF, deadline: this.deadline },
      () => requestIdToken(this.audience, this.deadline, this.env, this.proxyEnv),
      {
        // The same service would send the same oversized reply again.
        isRetryable: (err: unknown): err is Error => err instanceof Error && !(err instanceof FinalTokenError) && !(err instanceof ReplyTooLargeError),
        onRetry: (_err, n, delay) => core.info(`GitHub OIDC token request failed (attempt ${n}); retrying in ${delay} ms`),
      },
    ).catch((err: unknown) => {
      throw new UserError(
        `Could not get a GitHub OIDC token for audience "${this.audience}": ${err instanceof Error ? err.message : String(err)}. ` +
          'The job needs `permissions: id-token: write` (pull requests from forks cannot mint tokens).',
      );
    });
    this.cached = { token, claims: decodeClaims(token) };
    return token;
  }
}

/** A token request that another attempt cannot fix (no token service, refused). */
class FinalTokenError extends Error {}

/**
 * One token request, as the runner documents it: GET the request URL plus `&audience=`, with the
 * request token as bearer, answer `{"value": "<jwt>"}`; through the proxy when one is configured.
 */
export async function requestIdToken(audience: string, deadline: number, env: NodeJS.ProcessEnv = process.env, proxyEnv?: ProxyEnv): Promise<string> {
  const url = env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  const bearer = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  if (!url) throw new FinalTokenError('ACTIONS_ID_TOKEN_REQUEST_URL is not set');
  if (!bearer) throw new FinalTokenError('ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set');
  const timeout = Math.max(1, Math.min(REQUEST_DEADLINE_MS, deadline - Date.now()));
  const { status, body } = await httpGet(
    `${url}&audience=${encodeURIComponent(audience)}`,
    { Authorization: `Bearer ${bearer}`, Accept: 'application/json' },
    timeout,
    proxyEnv,
  );
  if (status !== 200) {
    const retryable = status >= 500 || status === 429 || status === 408;
    const quoted = diagnostic(body, { secrets: [bearer] });
    const detail = `token service answered HTTP ${status}${quoted ? `: ${quoted}` : ''}`;
    throw retryable ? new Error(detail) : new FinalTokenError(detail);
  }
  let value: unknown;
  try {
    value = (JSON.parse(body) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  // A JWT: three base64url parts. Anything else (line breaks, spaces) is not sent on, nor quoted.
  if (typeof value !== 'string' || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(value)) throw new Error('token service answered without a token');
  core.setSecret(value);
  return value;
}

/**
 * A plain GET with node:http(s) (Node's fetch costs tens of milliseconds to initialise on first use),
 * its body capped at MAX_TOKEN_REPLY_BYTES and the whole exchange bounded by `timeoutMs`.
 */
async function httpGet(url: string, headers: Record<string, string>, timeoutMs: number, proxyEnv?: ProxyEnv): Promise<{ status: number; body: string }> {
  const { get, Agent } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  const agent = proxyEnv ? new Agent(agentOptions(proxyEnv)) : undefined;
  try {
    return await withRequestDeadline(
      'the token service',
      timeoutMs,
      (signal) =>
        new Promise((resolve, reject) => {
          const req = get(url, { headers, agent, signal }, (res) => {
            readReply(res, MAX_TOKEN_REPLY_BYTES).then((bytes) => resolve({ status: res.statusCode ?? 0, body: bytes.toString('utf8') }), reject);
          });
          // Never quote node's own error text at length: only its code.
          req.on('error', (err: NodeJS.ErrnoException) => reject(signal.aborted ? err : new Error(`token service unreachable (${err.code ?? err.name})`)));
        }),
    );
  } finally {
    agent?.destroy();
  }
}
