/**
 * What the credential_process helper needs to re-run a target's chain later, in another process:
 * plain data, no secrets except access keys that came from inputs (documented in the README).
 * Pure: deciding what can be re-run and how it is recorded does no I/O.
 */
import { posix, resolve, win32 } from 'node:path';
import { UserError } from '../base/errors.js';
import type { Chain, Plan, Target } from '../base/types.js';
import { resolveTokenPath } from '../sources/tokenFile.js';
import type { ProxyInputs } from '../net/proxy.js';
import { composeCommandLine, type CommandPlatform } from './commandLine.js';

export interface RefreshTarget {
  readonly profile: string;
  readonly chain: Chain;
  readonly region: string;
  readonly stsEndpoint?: string;
}

export interface RefreshPlan {
  readonly version: 1;
  readonly targets: Record<string, RefreshTarget>;
  readonly maxAttempts: number;
  /** Longest a refresh may take, seconds. */
  readonly timeoutSeconds: number;
  /** The step's `http-proxy` / `no-proxy` inputs (the caller's environment supplies the rest). */
  readonly proxy: ProxyInputs;
}

/** Where each refreshable source comes from at refresh time, for errors and docs. */
const NOT_REFRESHABLE =
  "Input 'refresh': a refreshing profile must be able to re-run its chain from the start: use GitHub OIDC, a web identity token file, access keys from inputs, container or instance credentials, or a credential_process";

/** The target as the helper will re-run it, or a UserError saying why it cannot be. */
export function refreshTarget(target: Target, plan: { region?: string; stsEndpoint?: string }, env: NodeJS.ProcessEnv): RefreshTarget {
  const { source, hops } = target.chain;
  const region = target.region ?? plan.region;
  if (hops.length === 0 || region === undefined) {
    throw new UserError(`Input 'refresh': "${target.name}" assumes no role, so there is no session to refresh`);
  }
  let chain = target.chain;
  switch (source.kind) {
    case 'environment':
      throw new UserError(`${NOT_REFRESHABLE}; "${target.name}" starts from credentials in the environment, which expire on their own schedule.`);
    case 'static':
      // Keys from a credentials file are not copied to a second place on disk.
      if (source.origin.where !== 'aws-access-key-id') {
        throw new UserError(`${NOT_REFRESHABLE}; "${target.name}" starts from keys in ${source.origin.where}.`);
      }
      break;
    case 'web-identity':
      // A later step may run elsewhere in the workspace: pin the token file's absolute path now.
      if (source.token.kind === 'file') {
        chain = { ...chain, source: { ...source, token: { ...source.token, path: resolveTokenPath(source.token.path, env) } } };
      }
      break;
    default:
      break;
  }
  const fixedCode = hops.find((hop) => hop.mfa?.code.kind === 'code');
  if (fixedCode) {
    throw new UserError(
      `Input 'refresh': ${fixedCode.roleArn} needs an MFA code, and a code is good only once; give mfa-totp-secret instead of mfa-token-code to refresh`,
    );
  }
  // The STS the step used, even if a later step's environment names another (or none).
  const stsEndpoint = target.stsEndpoint ?? plan.stsEndpoint ?? (env['AWS_ENDPOINT_URL_STS'] || env['AWS_ENDPOINT_URL'] || undefined);
  return { profile: target.name, chain, region, stsEndpoint };
}

/** The plan file's text (keys from inputs carry no expiration, so nothing here needs a reviver). */
export function serializeRefreshPlan(plan: RefreshPlan): string {
  return JSON.stringify(plan);
}

export function parseRefreshPlan(text: string, file: string): RefreshPlan {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserError(`${file} is not a refresh plan written by aws-assume-chain`);
  }
  const plan = parsed as Partial<RefreshPlan>;
  if (plan?.version !== 1 || typeof plan.targets !== 'object' || plan.targets === null) {
    throw new UserError(`${file} is not a refresh plan written by this version of aws-assume-chain`);
  }
  return plan as RefreshPlan;
}

/**
 * Reuse cached credentials while more than this is left. AWS CLI / botocore re-run a credential_process
 * whenever less than 15 minutes remain, so a margin above that keeps every answer usable; short
 * sessions (15-minute minimum) are reused for half their lifetime instead.
 */
export const REFRESH_MARGIN_MS = 16 * 60 * 1000;

export function stillFresh(expiration: Date, obtainedAt: Date, now: number): boolean {
  const lifetime = expiration.getTime() - obtainedAt.getTime();
  const margin = Math.min(REFRESH_MARGIN_MS, lifetime / 2);
  return expiration.getTime() - now > margin;
}

/**
 * The config line: node and the bundle, then the helper's arguments, written so that every reader of
 * the config file on this platform gets the same five arguments (refresh/commandLine.ts says who
 * reads it and how). On Windows a path that no line can carry safely is refused with a UserError.
 */
export function credentialProcessCommand(node: string, entry: string, planFile: string, profile: string, platform: CommandPlatform = process.platform): string {
  return composeCommandLine(
    [
      { value: node, what: 'node program path' },
      { value: entry, what: 'action bundle path' },
      { value: 'credential-process', what: 'helper command' },
      { value: planFile, what: 'refresh plan path' },
      { value: profile, what: 'profile name' },
    ],
    platform,
  );
}

/** Where the helper will run: the node and bundle the line names, and the platform that reads it. */
export interface HelperLocation {
  readonly node: string;
  readonly entry: string;
  readonly platform: NodeJS.Platform;
}

/** This process: the runner's node running this bundle (as refresh/store.ts writes the line). */
function currentHelper(): HelperLocation {
  return { node: process.execPath, entry: resolve(process.argv[1] ?? ''), platform: process.platform };
}

/**
 * Every target of the plan, checked before any STS call so a chain that cannot refresh fails first;
 * so is each profile's command line (on Windows a path can make it unwritable), with the plan file at
 * a stand-in name under RUNNER_TEMP (the real name differs only in six letters and digits).
 */
export function buildRefreshPlan(
  plan: Plan,
  settings: { readonly retry: { readonly maxAttempts: number }; readonly timeoutSeconds: number; readonly proxy: ProxyInputs },
  env: NodeJS.ProcessEnv,
  helper: HelperLocation = currentHelper(),
): RefreshPlan {
  const targets: Record<string, RefreshTarget> = {};
  for (const target of plan.targets) targets[target.name] = refreshTarget(target, plan, env);
  const path = helper.platform === 'win32' ? win32 : posix;
  const planFile = path.join(env['RUNNER_TEMP'] || path.sep, 'aws-assume-chain-XXXXXX', 'plan.json');
  for (const name of Object.keys(targets)) credentialProcessCommand(helper.node, helper.entry, planFile, name, helper.platform);
  return {
    version: 1,
    targets,
    maxAttempts: settings.retry.maxAttempts,
    timeoutSeconds: Math.min(settings.timeoutSeconds || 300, 300),
    proxy: settings.proxy,
  };
}
