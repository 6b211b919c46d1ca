/**
 * The full credential_process helper (`credential-process <plan file> <profile>`), which the small
 * entry dist/refresh/index.js hands over to when the cache cannot answer (src/refreshHelper.ts).
 * Prints the credentials as the SDKs expect them (Version 1 JSON) from the cache while they are
 * fresh, else re-runs the profile's chain (minting a new GitHub OIDC token from
 * the caller's environment when the chain starts there) and caches the result. Concurrent callers
 * wait on one lock per profile, so a burst of processes makes one set of STS calls.
 * Failure: one line on stderr (the AWS CLI shows it), exit 1, never a secret. The whole run, lock wait
 * included, has the plan's timeout as its deadline: past it the helper says so and exits, whatever
 * is still pending (a dead holder's lock is stale at once for the next caller).
 */
import { dirname } from 'node:path';
import * as core from '../base/runner.js';
import { oneLine, UserError } from '../base/errors.js';
import { acquireLock } from '../base/fileLock.js';
import type { AwsCredentials } from '../base/types.js';
import { executePlan } from '../run/execute.js';
import { CONNECT_TIMEOUT_MS, RESPONSE_TIMEOUT_MS, closeStsConnections } from '../sts/client.js';
import { parseRefreshPlan, stillFresh, type RefreshPlan, type RefreshTarget } from './refreshPlan.js';
import { proxyEnvFrom } from '../net/proxy.js';
import { cacheFileFor, readCache, readPrivateFile, writeCache } from './store.js';
import { credentialProcessOutput, HELPER_LABEL, HELPER_USAGE } from './cacheHit.js';

export async function runCredentialProcess(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  core.detachFromRunner(HELPER_LABEL);
  let overall: NodeJS.Timeout | undefined;
  try {
    const [planFile, profile] = args;
    if (args.length !== 2 || !planFile || !profile) throw new UserError(HELPER_USAGE);
    const text = await readPrivateFile(planFile);
    if (text === undefined) {
      throw new UserError(`${planFile} is gone: profile "${profile}" can refresh only during the job whose step wrote it`);
    }
    const plan = parseRefreshPlan(text, planFile);
    const target = plan.targets[profile];
    if (!target) throw new UserError(`${planFile} has no profile "${profile}"`);
    const timeoutMs = Math.max(1, plan.timeoutSeconds) * 1000;
    const deadline = Date.now() + timeoutMs;
    overall = overallDeadline(deadline, plan.timeoutSeconds);
    const credentials = await freshCredentials(target, cacheFileFor(dirname(planFile), profile), plan, withoutOtherEndpoints(target, env), deadline);
    core.printCredentialProcessResult(credentialProcessOutput(credentials));
  } catch (err) {
    const message = err instanceof UserError ? err.message : `unexpected error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    core.error(oneLine(message));
    process.exitCode = 1;
  } finally {
    clearTimeout(overall);
    await closeStsConnections();
  }
}

/**
 * The helper talks to the STS endpoint the step checked and used, never to one a later step's
 * environment or config names: main checked AWS_ENDPOINT_URL(_STS) and `endpoint_url` against the
 * allow-list, nobody checks them here. When the plan holds no endpoint the step used the region's
 * AWS endpoint, so the SDK is told to ignore configured ones (it reads process.env itself; the
 * helper is a process of its own, so changing it touches nothing else).
 */
function withoutOtherEndpoints(target: RefreshTarget, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (target.stsEndpoint !== undefined) return env;
  const scrubbed = { ...env };
  for (const vars of [scrubbed, process.env]) {
    for (const name of Object.keys(vars)) if (/^AWS_ENDPOINT_URL(_STS)?$/i.test(name)) delete vars[name];
    vars['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] = 'true';
  }
  return scrubbed;
}

/** One second after the deadline (so a pending request's own, more precise error wins), give up. */
function overallDeadline(deadline: number, timeoutSeconds: number): NodeJS.Timeout {
  return setTimeout(
    () => {
      core.error(`timed out after ${timeoutSeconds} s (the step's action-timeout-s, at most 300 s)`);
      process.exit(1);
    },
    Math.max(0, deadline - Date.now()) + 1000,
  );
}

async function freshCredentials(
  target: RefreshTarget,
  cacheFile: string,
  plan: RefreshPlan,
  env: NodeJS.ProcessEnv,
  deadline: number,
): Promise<AwsCredentials> {
  const timeoutMs = Math.max(1, deadline - Date.now());
  // The holder may be making STS calls with retries: the lock is stale only after a whole refresh's time.
  const lock = await acquireLock(cacheFile, { timeoutMs, staleMs: timeoutMs + 30_000 });
  try {
    const cached = await readCache(cacheFile);
    if (cached && stillFresh(cached.credentials.expiration, cached.obtainedAt, Date.now())) return cached.credentials;

    const obtainedAt = new Date();
    const [outcome] = await executePlan(
      {
        region: target.region,
        stsEndpoint: target.stsEndpoint,
        targets: [{ name: target.profile, chain: target.chain, region: target.region, stsEndpoint: target.stsEndpoint }],
      },
      {
        conn: {
          region: target.region,
          endpoint: target.stsEndpoint,
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
          requestTimeoutMs: RESPONSE_TIMEOUT_MS,
          proxyEnv: proxyEnvFrom(plan.proxy ?? {}, env),
        },
        maxAttempts: plan.maxAttempts,
        deadline,
        maxConcurrency: 1,
        env,
      },
    );
    if (!outcome?.ok) throw outcome?.error ?? new UserError('the chain produced no credentials');
    const { credentials } = outcome;
    if (credentials.expiration) await writeCache(cacheFile, { credentials: { ...credentials, expiration: credentials.expiration }, obtainedAt });
    return credentials;
  } finally {
    await lock.release();
  }
}
