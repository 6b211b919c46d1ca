/**
 * The runner's own AWS identity, for a job that names no source and cannot mint a GitHub OIDC token:
 * a self-hosted runner on EC2, ECS, CodeBuild or EKS. The order is the AWS SDKs' default chain
 * (environment keys, the web-identity environment, container credentials, instance metadata).
 *
 * Pure: it only looks at the environment handed in, so the choice is known (and shown in a dry run)
 * before any network call. Whether the chosen endpoint answers is found out at run time.
 */

export type RunnerIdentity =
  /** AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN). */
  | { readonly kind: 'environment' }
  /** EKS IRSA: AssumeRoleWithWebIdentity to AWS_ROLE_ARN with the projected token file. */
  | { readonly kind: 'web-identity-env'; readonly tokenFile: string; readonly roleArn: string; readonly sessionName?: string }
  /** ECS, CodeBuild, EKS Pod Identity: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI. */
  | { readonly kind: 'container' }
  /** EC2 instance profile through IMDSv2 (the last resort; it may not answer, or not be AWS's). */
  | { readonly kind: 'instance-metadata' }
  /** Nothing to try: the error lists what was looked for. */
  | { readonly kind: 'none' };

/** Origin `where` of a source found on the runner (not named by an input or a profile). */
export const RUNNER_WHERE = "the runner's own identity";

/** What the "no source" error and a failed last resort both list, so the user sees every place looked at. */
export const LOOKED_FOR =
  'no source identity: this job cannot mint a GitHub OIDC token (add `permissions: id-token: write` to the job), ' +
  'none of aws-access-key-id, web-identity-token-file or role-chaining is set, ' +
  'and the runner has no AWS identity of its own: no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ' +
  'no AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, no AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI';

const set = (env: NodeJS.ProcessEnv, name: string): string | undefined => env[name] || undefined;

/** Instance metadata is off when AWS_EC2_METADATA_DISABLED is "true" (any case), as botocore and the SDKs read it. */
export function metadataDisabled(env: NodeJS.ProcessEnv): boolean {
  return set(env, 'AWS_EC2_METADATA_DISABLED')?.toLowerCase() === 'true';
}

export function detectRunnerIdentity(env: NodeJS.ProcessEnv): RunnerIdentity {
  if (set(env, 'AWS_ACCESS_KEY_ID') && set(env, 'AWS_SECRET_ACCESS_KEY')) return { kind: 'environment' };
  const tokenFile = set(env, 'AWS_WEB_IDENTITY_TOKEN_FILE');
  const roleArn = set(env, 'AWS_ROLE_ARN');
  if (tokenFile && roleArn) return { kind: 'web-identity-env', tokenFile, roleArn, sessionName: set(env, 'AWS_ROLE_SESSION_NAME') };
  if (set(env, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI') || set(env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI')) return { kind: 'container' };
  if (!metadataDisabled(env)) return { kind: 'instance-metadata' };
  return { kind: 'none' };
}

/** The "no source" error's detail: IMDS disabled (plan time), or how the last-resort IMDS attempt failed (run time). */
export function lookedFor(imdsFailure?: string): string {
  const imds =
    imdsFailure === undefined ? 'and instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true)' : `and instance metadata (IMDSv2) failed: ${imdsFailure}`;
  return `${LOOKED_FOR}, ${imds}`;
}

/** The log line's and the dry run's name for the source. */
export function describeRunnerIdentity(identity: RunnerIdentity): string {
  switch (identity.kind) {
    case 'environment':
      return "the runner's own identity: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment";
    case 'web-identity-env':
      return "the runner's own identity: AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (EKS IRSA)";
    case 'container':
      return "the runner's own identity: the container credentials endpoint (ECS, CodeBuild, EKS Pod Identity)";
    case 'instance-metadata':
      return "the runner's own identity: the instance profile (IMDSv2)";
    case 'none':
      return 'none';
  }
}
