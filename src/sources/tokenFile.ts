/**
 * A web-identity token file, read at call time and masked. Its content is sent byte for byte, as
 * botocore and the AWS SDKs send it (a trailing newline included).
 *
 * The file is read only when it is a small regular file outside any `.git` directory, and only content
 * shaped like a JWT is sent: a checked-in config can name any path, and whatever it names goes to the
 * STS endpoint (README "Security model"). A refused file's content is never quoted.
 */
import * as core from '../base/runner.js';
import { realpathSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../base/errors.js';
import { TOKEN_FILE_CAP, gitPathProblem, readBoundedFile } from '../config/boundedFile.js';

/** STS's minimum WebIdentityToken length (botocore checks it before sending). */
const MIN_TOKEN_LENGTH = 4;
/** Three base64url parts (header, claims, signature), as every OIDC ID token is. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function resolveTokenPath(path: string, env: NodeJS.ProcessEnv): string {
  return isAbsolute(path) ? path : join(env['GITHUB_WORKSPACE'] ?? process.cwd(), path);
}

export function readTokenFile(path: string, env: NodeJS.ProcessEnv): string {
  const full = resolveTokenPath(path, env);
  const refuse = (why: string) => new UserError(`Web identity token file ${full} ${why}`);
  // The path as written and the file it resolves to: a symlink into .git is refused too.
  const git = gitPathProblem(full) ?? gitPathProblem(realPathOr(full));
  if (git) throw refuse(git);
  const read = readBoundedFile(full, TOKEN_FILE_CAP);
  if (!read.ok) {
    throw read.reason === 'missing' ? new UserError(`Web identity token file does not exist: ${full}`) : refuse(read.detail);
  }
  const token = read.data.toString('utf8');
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new UserError(
      `ParamValidationError: Parameter validation failed: Invalid length for parameter WebIdentityToken, value: ${token.length}, valid min length: ${MIN_TOKEN_LENGTH} (web identity token file ${full})`,
    );
  }
  if (!JWT_SHAPE.test(token.trim())) {
    throw refuse('is not a JWT (three base64url parts separated by dots); its content is not sent or shown');
  }
  core.setSecret(token.trim());
  return token;
}

function realPathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // a missing file is reported by the read
  }
}
