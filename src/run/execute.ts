/**
 * Execute a Plan against STS. Chains sharing a prefix (same source, same hops) assume it once: the
 * plan's targets form a tree. STS calls run with bounded concurrency, each through the retry layer.
 * The executor does not know where a source's credentials come from: `sources/` does.
 */
import * as core from '../base/runner.js';
import { UserError } from '../base/errors.js';
import type { AwsCredentials, Hop, HopResult, Plan, Source, Target, TokenSource } from '../base/types.js';
import { maskCredentials, sourceCredentials } from '../sources/credentials.js';
import { GithubTokenSource, decodeClaims, type TokenClaims } from '../sources/githubOidc.js';
import { readTokenFile, resolveTokenPath } from '../sources/tokenFile.js';
import { MfaCodes } from '../sources/mfaCodes.js';
import { existsSync } from 'node:fs';
import { assumeRole, assumeRoleWithWebIdentity, endpointFor, getCallerIdentity, type AssumedRole, type StsConnection } from '../sts/client.js';
import { StsError } from '../sts/errors.js';
import { DEFAULT_BACKOFF, withRetry } from '../base/retry.js';
import { explain } from './hints.js';

export interface ExecuteOptions {
  readonly conn: StsConnection;
  readonly maxAttempts: number;
  /** Epoch ms: no attempt starts after it. */
  readonly deadline: number;
  readonly maxConcurrency: number;
  readonly env: NodeJS.ProcessEnv;
  /** Called with every account ID before it is printed (masking, when asked for). */
  readonly onAccount?: (accountId: string) => void;
}

export interface TargetSuccess {
  readonly target: Target;
  readonly ok: true;
  readonly hops: readonly HopResult[];
  /** The credentials this target yields: the last hop's, or the source's for a chain without hops. */
  readonly credentials: AwsCredentials;
  readonly arn: string;
  readonly accountId: string;
}

export type TargetOutcome = TargetSuccess | { readonly target: Target; readonly ok: false; readonly error: UserError };

interface Step {
  readonly credentials: AwsCredentials;
  readonly results: readonly HopResult[];
}

export async function executePlan(plan: Plan, opts: ExecuteOptions): Promise<TargetOutcome[]> {
  const executor = new ChainExecutor(opts);
  return Promise.all(plan.targets.map((target) => executor.run(target)));
}

class ChainExecutor {
  private readonly steps = new Map<string, Promise<Step>>();
  private readonly githubTokens = new Map<string, GithubTokenSource>();
  private readonly slots: Semaphore;
  private readonly mfaCodes: MfaCodes;

  constructor(private readonly opts: ExecuteOptions) {
    this.slots = new Semaphore(opts.maxConcurrency);
    this.mfaCodes = new MfaCodes(opts.deadline);
  }

  async run(target: Target): Promise<TargetOutcome> {
    try {
      const { source, hops } = target.chain;
      const conn: StsConnection = {
        ...this.opts.conn,
        region: target.region ?? this.opts.conn.region,
        endpoint: target.stsEndpoint ?? this.opts.conn.endpoint,
      };
      // Sessions are shared only between targets that talk to the same STS the same way.
      let key = `${conn.region} ${conn.endpoint ?? ''} ${sourceKey(source)}`;
      let step: Promise<Step> | undefined = source.kind === 'web-identity' ? undefined : this.memo(key, () => this.fromSource(source));
      hops.forEach((hop, index) => {
        const previous = step;
        key = `${key}|${hopKey(hop)}`;
        const chainKey = key;
        step = this.memo(chainKey, async () => {
          if (index === 0 && source.kind === 'web-identity') {
            return this.webIdentityHop(conn, source.token, hop);
          }
          const before = await previous!;
          const result = await this.assumeHop(conn, hop, before.credentials, chainKey);
          return { credentials: result.credentials, results: [...before.results, result] };
        });
      });
      const final = await step!;
      const last = final.results[final.results.length - 1];
      if (last) {
        return { target, ok: true, hops: final.results, credentials: last.credentials, arn: last.assumedRoleArn, accountId: last.accountId };
      }
      // No hops (access keys alone): one GetCallerIdentity names the account, as allowed-account-ids needs.
      if (conn.region === undefined) {
        core.info(`No region is set (none is needed for "${target.name}"): its account is looked up at ${endpointFor(conn)}, signed for us-east-1`);
      }
      const identity = await this.retrying('GetCallerIdentity', () => this.slots.use(() => getCallerIdentity(this.clip(conn), final.credentials)));
      this.opts.onAccount?.(identity.accountId);
      return { target, ok: true, hops: [], credentials: final.credentials, arn: identity.arn, accountId: identity.accountId };
    } catch (err) {
      const error = err instanceof UserError ? err : new UserError(err instanceof Error ? err.message : String(err));
      return { target, ok: false, error };
    }
  }

  /** The response timeout never reaches past the step's deadline. */
  private clip(conn: StsConnection): StsConnection {
    const left = Math.max(1, this.opts.deadline - Date.now());
    return { ...conn, requestTimeoutMs: Math.min(conn.requestTimeoutMs, left), connectTimeoutMs: Math.min(conn.connectTimeoutMs, left) };
  }

  private memo(key: string, make: () => Promise<Step>): Promise<Step> {
    let step = this.steps.get(key);
    if (!step) {
      step = make();
      this.steps.set(key, step);
    }
    return step;
  }

  private async fromSource(source: Exclude<Source, { kind: 'web-identity' }>): Promise<Step> {
    return { credentials: await sourceCredentials(source, this.opts.env, this.opts.deadline), results: [] };
  }

  private async webIdentityHop(conn: StsConnection, token: TokenSource, hop: Hop): Promise<Step> {
    const github = this.githubFor(token);
    let refresh = false;
    let claims: TokenClaims | undefined;
    const result = await this.assuming(
      hop,
      () => claims,
      async () => {
        const jwt = github ? await github.token(refresh) : readTokenFile((token as { path: string }).path, this.opts.env);
        claims = decodeClaims(jwt);
        refresh = false;
        try {
          return await this.slots.use(() => assumeRoleWithWebIdentity(this.clip(conn), hop, jwt));
        } catch (err) {
          // An expired GitHub token is re-minted and tried again, once per attempt.
          if (github && err instanceof StsError && /Expired/i.test(err.code + err.awsMessage)) {
            refresh = true;
            throw new StsError(err.action, err.code, err.status, err.awsMessage, true, err.roleArn);
          }
          throw err;
        }
      },
    );
    return { credentials: result.credentials, results: [result] };
  }

  private githubFor(token: TokenSource): GithubTokenSource | undefined {
    let audience: string | undefined;
    if (token.kind === 'github-oidc') audience = token.audience;
    else if (token.githubFallbackAudience !== undefined && !existsSync(resolveTokenPath(token.path, this.opts.env))) {
      audience = token.githubFallbackAudience;
    }
    if (audience === undefined) return undefined;
    let source = this.githubTokens.get(audience);
    if (!source) {
      source = new GithubTokenSource(audience, this.opts.deadline, this.opts.maxAttempts, this.opts.env, this.opts.conn.proxyEnv);
      this.githubTokens.set(audience, source);
    }
    return source;
  }

  /** `key` names this hop of this chain: a retry of it may reuse a fixed MFA code, another hop may not. */
  private assumeHop(conn: StsConnection, hop: Hop, signer: AwsCredentials, key: string): Promise<HopResult> {
    return this.assuming(
      hop,
      () => undefined,
      async () => {
        const code = hop.mfa ? await this.mfaCodes.codeFor(hop.mfa, hop.roleArn, key) : undefined;
        return this.slots.use(() => assumeRole(this.clip(conn), signer, hop, code));
      },
    );
  }

  private retrying<T>(label: string, call: () => Promise<T>): Promise<T> {
    return withRetry({ maxAttempts: this.opts.maxAttempts, ...DEFAULT_BACKOFF, deadline: this.opts.deadline }, call, {
      isRetryable: (err: unknown): err is StsError => err instanceof StsError && err.retryable,
      onRetry: (err, n, delay) => core.info(`${label}: attempt ${n} failed (${err.code}); retrying in ${delay} ms`),
    });
  }

  private async assuming(hop: Hop, claims: () => TokenClaims | undefined, call: () => Promise<AssumedRole>): Promise<HopResult> {
    try {
      const assumed = await this.retrying(`${hop.action} ${hop.roleArn}`, call);
      maskCredentials(assumed.credentials);
      this.opts.onAccount?.(assumed.accountId);
      core.info(`Assumed ${hop.roleArn} as ${assumed.assumedRoleArn}`);
      return { hop, ...assumed };
    } catch (err) {
      if (err instanceof StsError) throw explain(err, hop, claims());
      throw err;
    }
  }
}

function sourceKey(source: Source): string {
  switch (source.kind) {
    case 'static':
      return `static:${source.credentials.accessKeyId}`;
    case 'web-identity':
      return `web-identity:${JSON.stringify(source.token)}`;
    case 'process':
      return `process:${source.command}`;
    default:
      return source.kind;
  }
}

/** Everything that shapes the STS request; hops with equal keys from equal signers give the same session. */
function hopKey(hop: Hop): string {
  const { origin: _origin, mfa, ...request } = hop;
  return JSON.stringify({ ...request, mfa: mfa?.serialNumber });
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async use<T>(work: () => Promise<T>): Promise<T> {
    // A released slot passes straight to the next waiter, so the limit holds at every moment.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
