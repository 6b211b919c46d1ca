/** The GitHub OIDC token: minted through @actions/core (which masks it), retried, re-minted near expiry. */
import * as core from '@actions/core';
import { UserError } from '../errors.js';
import { withRetry, DEFAULT_BACKOFF } from '../sts/retry.js';

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
  ) {}

  async token(forceRefresh = false, now: number = Date.now()): Promise<string> {
    const exp = this.cached?.claims?.exp;
    const fresh = this.cached && (exp === undefined || exp - now / 1000 > REFRESH_MARGIN_S);
    if (fresh && !forceRefresh) return this.cached!.token;
    const token = await withRetry(
      { maxAttempts: this.maxAttempts, ...DEFAULT_BACKOFF, deadline: this.deadline },
      () => core.getIDToken(this.audience),
      {
        isRetryable: (err: unknown): err is Error => err instanceof Error && !/ACTIONS_ID_TOKEN_REQUEST/.test(err.message),
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
