/** Failures become one `::error::` line (annotated with file and line when a config line is at fault), exit 1, no stack. */
import * as core from './base/runner.js';
import { isAbsolute, relative } from 'node:path';
import { ConfigError, UserError } from './base/errors.js';

export function reportFailure(err: unknown, env: NodeJS.ProcessEnv = process.env): void {
  if (err instanceof UserError) {
    const origin = err.origin;
    if (err instanceof ConfigError && origin?.line !== undefined) {
      core.error(err.message, { file: workspaceRelative(origin.where, env), startLine: origin.line, title: err.kind });
    } else {
      core.error(err.message);
    }
  } else {
    // A bug, not a user mistake: still one line, never a stack trace.
    const message = err instanceof Error ? err.message : String(err);
    core.error(`Unexpected error: ${message.split('\n')[0]}`);
  }
  process.exitCode = 1;
}

/** Annotations name files relative to the repository root. */
function workspaceRelative(path: string, env: NodeJS.ProcessEnv): string {
  const workspace = env['GITHUB_WORKSPACE'];
  if (!workspace || !isAbsolute(path)) return path;
  const rel = relative(workspace, path);
  return rel.startsWith('..') ? path : rel;
}
