/** The GitHub OIDC token: requested from the runner's token service, masked, retried, re-minted near expiry. */
import * as core from '../runner.js';
import { UserError } from '../errors.js';
import { withRetry, DEFAULT_BACKOFF } from '../sts/retry.js';
import { agentOptions, type ProxyEnv } from '../net/proxy.js';

/** Non-secret claims, kept to explain a trust-policy mismatch. */
export interface TokenClaims {
  readonly iss?: string;
  readonly aud?: string | string[];
  readonly sub?: string;
  readonly repository?: string;
  readonly ref?: string;
  readonly environment?: string;
  readonly job_workflow_ref?: string;
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
        isRetryable: (err: unknown): err is Error => err instanceof Error && !(err instanceof FinalTokenError),
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

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * One token request, as the runner documents it: GET the request URL plus `&audience=`, with the
 * request token as bearer, answer `{"value": "<jwt>"}`; through the proxy when one is configured.
 */
export async function requestIdToken(
  audience: string,
  deadline: number,
  env: NodeJS.ProcessEnv = process.env,
  proxyEnv?: ProxyEnv,
): Promise<string> {
  const url = env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  const bearer = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  if (!url) throw new FinalTokenError('ACTIONS_ID_TOKEN_REQUEST_URL is not set');
  if (!bearer) throw new FinalTokenError('ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set');
  const timeout = Math.max(1, Math.min(REQUEST_TIMEOUT_MS, deadline - Date.now()));
  const { status, body } = await httpGet(`${url}&audience=${encodeURIComponent(audience)}`, { Authorization: `Bearer ${bearer}`, Accept: 'application/json' }, timeout, proxyEnv);
  if (status !== 200) {
    const retryable = status >= 500 || status === 429 || status === 408;
    const detail = `token service answered HTTP ${status}${body.trim() ? `: ${body.trim().split('\n')[0]!.slice(0, 200)}` : ''}`;
    throw retryable ? new Error(detail) : new FinalTokenError(detail);
  }
  let value: unknown;
  try {
    value = (JSON.parse(body) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || value === '') throw new Error('token service answered without a token');
  core.setSecret(value);
  return value;
}

/** A plain GET with node:http(s): Node's fetch costs tens of milliseconds to initialise on first use. */
async function httpGet(url: string, headers: Record<string, string>, timeoutMs: number, proxyEnv?: ProxyEnv): Promise<{ status: number; body: string }> {
  const { get, Agent } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  const agent = proxyEnv ? new Agent(agentOptions(proxyEnv)) : undefined;
  return new Promise((resolve, reject) => {
    const req = get(url, { headers, timeout: timeoutMs, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => reject(new Error(`token service unreachable: ${err.message}`)));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new Error(`token service unreachable: ${err.message}`)));
  });
}
