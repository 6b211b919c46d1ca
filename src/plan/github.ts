/** The GitHub context the plan needs (default session name and session tags), read from the runner's env. */
import { sanitizeTagValue } from '../base/constraints.js';
import type { SessionTag } from '../base/types.js';

export interface GithubContext {
  readonly repository?: string;
  readonly workflow?: string;
  readonly action?: string;
  readonly actor?: string;
  readonly sha?: string;
  readonly ref?: string;
  readonly runId?: string;
  readonly runAttempt?: string;
}

export function githubContextFromEnv(env: NodeJS.ProcessEnv): GithubContext {
  return {
    repository: env['GITHUB_REPOSITORY'],
    workflow: env['GITHUB_WORKFLOW'],
    action: env['GITHUB_ACTION'],
    actor: env['GITHUB_ACTOR'],
    sha: env['GITHUB_SHA'],
    ref: env['GITHUB_REF'],
    runId: env['GITHUB_RUN_ID'],
    runAttempt: env['GITHUB_RUN_ATTEMPT'],
  };
}

/**
 * `GitHubActions` (configure-aws-credentials' default) plus the run id and attempt when known, so
 * CloudTrail can tell runs apart; always within STS's pattern and 64 characters.
 */
export function defaultSessionName(ctx: GithubContext): string {
  const parts = ['GitHubActions'];
  if (ctx.runId && /^\d+$/.test(ctx.runId)) parts.push(ctx.runId);
  if (ctx.runAttempt && /^\d+$/.test(ctx.runAttempt)) parts.push(ctx.runAttempt);
  return parts.join('-').slice(0, 64);
}

/** The session tags configure-aws-credentials sends by default, with values made acceptable to STS. */
export function defaultSessionTags(ctx: GithubContext): SessionTag[] {
  const tags: SessionTag[] = [{ key: 'GitHub', value: 'Actions' }];
  const add = (key: string, value: string | undefined) => {
    if (value) tags.push({ key, value: sanitizeTagValue(value) });
  };
  add('Repository', ctx.repository);
  add('Workflow', ctx.workflow);
  add('Action', ctx.action);
  add('Actor', ctx.actor);
  add('Commit', ctx.sha);
  add('Branch', ctx.ref);
  return tags;
}

export const DEFAULT_TAG_KEYS = ['GitHub', 'Repository', 'Workflow', 'Action', 'Actor', 'Commit', 'Branch'];
