/** A web-identity token file, read at call time and masked. */
import * as core from '@actions/core';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../errors.js';

export function resolveTokenPath(path: string, env: NodeJS.ProcessEnv): string {
  return isAbsolute(path) ? path : join(env['GITHUB_WORKSPACE'] ?? process.cwd(), path);
}

export function readTokenFile(path: string, env: NodeJS.ProcessEnv): string {
  const full = resolveTokenPath(path, env);
  let token: string;
  try {
    token = readFileSync(full, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `Web identity token file does not exist: ${full}` : `Cannot read web identity token file ${full} (${code ?? 'error'})`,
    );
  }
  if (token === '') throw new UserError(`Web identity token file is empty: ${full}`);
  core.setSecret(token);
  return token;
}
