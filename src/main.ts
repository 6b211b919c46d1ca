/** The action: settings → plan → execute → export. Every failure is one `::error::` line and exit 1. */
import * as core from './base/runner.js';
import { UserError } from './base/errors.js';
import { planMarkdown } from './export/summary.js';
import { writeJobSummary } from './export/jobSummary.js';
import { buildPlan } from './plan/index.js';
import { outputChoices } from './plan/outputChoices.js';
import { untrustedEndpoint } from './net/endpointTrust.js';
import type { Plan } from './base/types.js';
import { readSettings, type Settings } from './settings/settings.js';
import { executePlan, type TargetOutcome } from './run/execute.js';
import { CONNECT_TIMEOUT_MS, RESPONSE_TIMEOUT_MS, type StsConnection, warmSts } from './sts/client.js';
import { existingIdentity } from './run/existingCredentials.js';
import { reportFailure } from './report.js';
import { nodeSupportsProxyEnv, proxyEnvFrom } from './net/proxy.js';
import { maskRequestToken } from './sources/githubOidc.js';

/** Why configure-aws-credentials' workaround (re-assume until the secret key has no `+`, `/`, …) is not needed here. */
export const SPECIAL_CHARACTERS_NOTICE =
  "special-characters-workaround is not needed with aws-assume-chain and is ignored: values reach later steps through the runner's heredoc file commands (GITHUB_ENV, GITHUB_OUTPUT), so a secret key with + / = or other symbols arrives unchanged.";

// What only some runs need is imported on use (config files, refresh), so a one-hop run from inputs
// compiles none of it; the export starts loading while the STS calls are in flight.

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  maskRequestToken(env);
  try {
    const settings = readSettings(env);
    if (settings.specialCharactersWorkaround) core.notice(SPECIAL_CHARACTERS_NOTICE);
    // Any run of 12 digits too: an account ID can reach a line in forms no ARN pattern sees (a refused reply, a peer's text).
    if (settings.maskAccountId) core.hideAccountIds(settings.allowedAccountIds, { anyTwelveDigits: true });
    const config = settings.mode.kind === 'config' ? (await import('./settings/loadConfig.js')).loadConfig(settings, env) : undefined;
    const plan = await buildPlan(settings, env, config);
    if (settings.maskAccountId) core.hideAccountIds(accountIdsIn(plan));
    const refresh = settings.refresh ? (await import('./refresh/refreshPlan.js')).buildRefreshPlan(plan, settings, env) : undefined;
    // Before any token is fetched; a dry run still prints the plan, then fails as the run would.
    const untrusted = untrustedEndpoint(plan, { trusted: settings.stsEndpoint, allowed: settings.allowedStsEndpoints, env });
    if (settings.dryRun) await reportDryRun(planMarkdown(plan), settings);
    if (untrusted) throw untrusted;
    if (settings.dryRun) return;

    const maskAccount = (id: string) => (settings.maskAccountId ? '***' : id);
    const seconds = settings.timeoutSeconds || 21600; // 0 means "no limit": the runner's own 6 hours
    const deadline = Date.now() + seconds * 1000;
    const conn = {
      region: plan.region,
      endpoint: plan.stsEndpoint,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      requestTimeoutMs: RESPONSE_TIMEOUT_MS,
      proxyEnv: proxyFor(settings, env),
    };
    if (settings.useExistingCredentials && (await useExisting(env, conn, settings, plan.targets[0]?.region ?? plan.region))) return;
    if (plan.runnerSource) core.info(`Source identity: ${plan.runnerSource}`);
    // While the first source (the OIDC token request) waits: load the STS client, connect to STS, load the export.
    warmSts(conn, env);
    const exporting = import('./export/index.js');
    exporting.catch(() => undefined); // awaited below; a failed run never gets there
    const outcomes = await withDeadline(
      executePlan(plan, {
        conn,
        maxAttempts: settings.retry.maxAttempts,
        deadline,
        maxConcurrency: settings.maxConcurrency,
        env,
        onAccount: (id) => settings.maskAccountId && core.setSecret(id),
      }),
      deadline,
      seconds,
    );
    checkOutcomes(outcomes, settings);
    await (await exporting).exportResults(outcomes, { settings, region: plan.region, env, maskAccount, refresh });
  } catch (err) {
    reportFailure(err, env);
  }
}

/** Valid keys already in the environment (and in an allowed account): say so, set aws-account-id, export only the region. */
async function useExisting(env: NodeJS.ProcessEnv, conn: StsConnection, settings: Settings, region: string | undefined): Promise<boolean> {
  const identity = await existingIdentity(env, conn);
  if (!identity) return false;
  if (settings.maskAccountId) core.setSecret(identity.accountId);
  const allowed = settings.allowedAccountIds;
  if (allowed.length > 0 && !allowed.includes(identity.accountId)) {
    core.info('use-existing-credentials: the credentials in the environment are for an account not in allowed-account-ids; getting new credentials');
    return false;
  }
  core.info(`use-existing-credentials: the credentials in the environment are valid (${identity.arn}); no new credentials were requested`);
  core.setOutput('aws-account-id', identity.accountId);
  // As configure-aws-credentials does before its own early return, and as every other run does when a region is known.
  // The same rule as every other run (the target count does not enter it).
  if (region !== undefined && outputChoices(settings, 1).envRegion) {
    core.exportVariable('AWS_REGION', region);
    core.exportVariable('AWS_DEFAULT_REGION', region);
  }
  return true;
}

/** Failed targets are named; the step fails unless fail-on-target-error is off and something succeeded. */
function checkOutcomes(outcomes: readonly TargetOutcome[], settings: Settings): void {
  const failed = outcomes.filter((o) => !o.ok);
  const allowed = settings.allowedAccountIds;
  for (const o of outcomes) {
    if (o.ok && allowed.length > 0 && !allowed.includes(o.accountId)) {
      throw new UserError(
        `Input 'allowed-account-ids': the credentials for "${o.target.name}" are for account ${settings.maskAccountId ? '***' : o.accountId}, which is not in the allowed list; nothing was exported`,
      );
    }
  }
  if (failed.length === 0) return;
  if (failed.length === 1 && outcomes.length === 1) throw failed[0]!.error;
  const lines = failed.map((o) => `${o.target.name}: ${o.ok ? '' : o.error.message}`);
  if (settings.failOnTargetError || failed.length === outcomes.length) {
    throw new UserError(`${failed.length} of ${outcomes.length} targets failed; nothing was exported. ${lines.join(' | ')}`);
  }
  for (const line of lines) core.warning(`Target failed: ${line}`);
}

async function reportDryRun(markdown: string, settings: Settings): Promise<void> {
  const text = core.redactAccounts(markdown);
  core.infoBlock(text);
  if (settings.jobSummary) writeJobSummary(text);
  core.setOutput('plan', text);
}

/** Every account ID the plan names in an ARN (roles, MFA devices, policies), masked before any line is printed. */
function accountIdsIn(plan: Plan): string[] {
  const text = JSON.stringify(plan.targets.map((t) => ({ name: t.name, hops: t.chain.hops })));
  return [...new Set([...text.matchAll(/arn:[^:"\s]*:[^:"\s]*:[^:"\s]*:(\d{12}):/g)].map((m) => m[1]!))];
}

function proxyFor(settings: Settings, env: NodeJS.ProcessEnv) {
  const proxyEnv = proxyEnvFrom(settings.proxy, env);
  if (proxyEnv && !nodeSupportsProxyEnv()) {
    core.warning(`A proxy is configured, but node ${process.versions.node} cannot use one (24.5 or later can): connecting directly`);
  }
  return proxyEnv;
}

/** Stop waiting at the deadline even if a socket hangs past its own timeout. */
async function withDeadline<T>(work: Promise<T>, deadline: number, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UserError(`Action timed out after ${seconds} seconds (input 'action-timeout-s')`)),
      Math.max(0, deadline - Date.now()) + 1000,
    );
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
