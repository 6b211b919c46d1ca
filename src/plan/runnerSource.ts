/**
 * Input mode's source when no source input is given and the job cannot mint a GitHub OIDC token: the
 * runner's own identity (sources/runnerIdentity.ts decides which from the environment), and for EKS
 * IRSA the web-identity hop to AWS_ROLE_ARN that comes before the workflow's own hops. Pure.
 */
import { InputError, UserError } from '../base/errors.js';
import { forbiddenCharProblem, parseRoleArn, partitionOfRegion, roleArnProblem, sessionNameProblem } from '../base/constraints.js';
import type { Hop, Source } from '../base/types.js';
import type { HopSpec } from '../settings/roleChain.js';
import { RUNNER_WHERE, describeRunnerIdentity, lookedFor, type RunnerIdentity } from '../sources/runnerIdentity.js';

/** The chain's source, and for the EKS web-identity environment the hop to AWS_ROLE_ARN that comes before the inputs' hops. */
export interface PlannedSource {
  readonly source: Source;
  readonly runnerHop?: RunnerHop;
  /** Set when the source is the runner's own identity: its name for the log and the dry run. */
  readonly runnerSource?: string;
}

export interface RunnerHop {
  readonly roleArn: string;
  readonly sessionName?: string;
}

/** No source input and no OIDC: the runner's own identity, found in the environment as the AWS SDKs find it. */
export function planRunnerSource(identity: RunnerIdentity, specs: readonly HopSpec[]): PlannedSource {
  if (specs.length === 0) {
    throw new InputError('role-to-assume', 'nothing to do: set role-to-assume, role-chain, config-file or access keys');
  }
  const origin = { where: RUNNER_WHERE };
  const runnerSource = describeRunnerIdentity(identity);
  switch (identity.kind) {
    case 'environment':
      return { source: { kind: 'environment', origin }, runnerSource };
    case 'web-identity-env':
      return {
        source: { kind: 'web-identity', token: { kind: 'file', path: identity.tokenFile } },
        runnerHop: { roleArn: identity.roleArn, sessionName: identity.sessionName },
        runnerSource,
      };
    case 'container':
    case 'instance-metadata':
      return { source: { kind: identity.kind, origin }, runnerSource };
    case 'none':
      throw new InputError(specs[0]!.input, lookedFor());
  }
}

/**
 * The EKS IRSA hop: AssumeRoleWithWebIdentity to AWS_ROLE_ARN, as the SDKs make it (no duration, tags
 * or policies: those inputs are for the roles the workflow names). Its values come from the
 * environment, so a bad one is named by its variable, never echoed.
 */
export function runnerWebIdentityHop(runner: RunnerHop, region: string, defaultSessionName: string): Hop {
  const fail = (name: string, detail: string): never => {
    throw new UserError(`Environment variable ${name}: ${detail}`);
  };
  const arnProblem = forbiddenCharProblem(runner.roleArn) ?? roleArnProblem(runner.roleArn);
  if (arnProblem) fail('AWS_ROLE_ARN', arnProblem);
  const partition = parseRoleArn(runner.roleArn)!.partition;
  if (partition !== partitionOfRegion(region)) {
    fail('AWS_ROLE_ARN', `the role is in partition "${partition}" but the region "${region}" is in partition "${partitionOfRegion(region)}"`);
  }
  const roleSessionName = runner.sessionName ?? defaultSessionName;
  const sessionProblem = forbiddenCharProblem(roleSessionName) ?? sessionNameProblem(roleSessionName);
  if (sessionProblem) fail(runner.sessionName ? 'AWS_ROLE_SESSION_NAME' : 'role-session-name', `session name ${sessionProblem}`);
  return {
    action: 'AssumeRoleWithWebIdentity',
    roleArn: runner.roleArn,
    roleSessionName,
    tags: [],
    transitiveTagKeys: [],
    policyArns: [],
    origin: { where: 'AWS_ROLE_ARN' },
  };
}
