/**
 * `web_identity_token_file`: the profile's one hop is AssumeRoleWithWebIdentity, signed by no
 * credentials; the token is read from the file at run time, or minted by GitHub when the job can.
 */
import { ConfigError } from '../../base/errors.js';
import type { Source } from '../../base/types.js';
import { gitPathProblem } from '../../config/boundedFile.js';
import type { Profile, Setting } from '../../config/profiles.js';
import { pyRepr } from '../../config/python.js';
import { checkedText, optional, type PlannedChain, type PlannedHop, type PlannedSource, type ResolveContext } from './common.js';

/** Web identity uses only role_arn, web_identity_token_file and role_session_name. */
export function webIdentity(profile: Profile, tokenFile: Setting): PlannedChain {
  const roleArn = profile.settings.get('role_arn');
  if (!roleArn || roleArn.value === '') {
    throw new ConfigError(
      'InvalidConfigError',
      // botocore's text, missing space included.
      'The provided profile or the current environment is configured to assume role with web identity but has no role ARN configured. Ensure that the profile has the role_arnconfiguration set or the AWS_ROLE_ARN env var is set.',
      tokenFile.origin,
    );
  }
  const hop: PlannedHop = {
    action: 'AssumeRoleWithWebIdentity',
    profile,
    roleArn,
    ...optional('sessionName', profile.settings.get('role_session_name')),
  };
  return { source: { kind: 'token-file', tokenFile }, hops: [hop] };
}

/** The chain's source as the executor gets it: a token file becomes a file, a GitHub token, or both. */
export function finishSource(planned: PlannedSource, ctx: ResolveContext): Source {
  if (planned.kind === 'ready') return planned.source;
  const { tokenFile } = planned;
  const path = checkedText(tokenFile.value, 'web_identity_token_file', tokenFile.origin, `profile "${tokenFile.origin.profile ?? ''}"`);
  const gitProblem = gitPathProblem(path);
  if (gitProblem) throw new ConfigError('InvalidConfigError', `web_identity_token_file ${gitProblem}.`, planned.tokenFile.origin);
  if (ctx.githubOidc?.always) return { kind: 'web-identity', token: { kind: 'github-oidc', audience: ctx.githubOidc.audience } };
  if (ctx.fileExists(path)) return { kind: 'web-identity', token: { kind: 'file', path } };
  if (ctx.githubOidc) {
    return { kind: 'web-identity', token: { kind: 'file', path, githubFallbackAudience: ctx.githubOidc.audience } };
  }
  throw new ConfigError(
    'FileNotFoundError',
    `[Errno 2] No such file or directory: ${pyRepr(path)} (web_identity_token_file; outside a job with "id-token: write" the file must exist)`,
    planned.tokenFile.origin,
  );
}
