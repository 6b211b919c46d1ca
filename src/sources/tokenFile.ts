/**
 * A web-identity token file, read at call time and masked. Its content is sent byte for byte, as
 * botocore and the AWS SDKs send it (a trailing newline included).
 */
import * as core from '../runner.js';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../errors.js';

/** STS's minimum WebIdentityToken length (botocore checks it before sending). */
const MIN_TOKEN_LENGTH = 4;

export function resolveTokenPath(path: string, env: NodeJS.ProcessEnv): string {
  return isAbsolute(path) ? path : join(env['GITHUB_WORKSPACE'] ?? process.cwd(), path);
}

export function readTokenFile(path: string, env: NodeJS.ProcessEnv): string {
  const full = resolveTokenPath(path, env);
  let token: string;
  try {
    token = readFileSync(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `Web identity token file does not exist: ${full}` : `Cannot read web identity token file ${full} (${code ?? 'error'})`,
    );
  }
  if (token.trim() !== '') core.setSecret(token.trim());
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new UserError(
      `ParamValidationError: Parameter validation failed: Invalid length for parameter WebIdentityToken, value: ${token.length}, valid min length: ${MIN_TOKEN_LENGTH} (web identity token file ${full})`,
    );
  }
  return token;
}
