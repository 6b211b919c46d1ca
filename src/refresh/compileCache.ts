/**
 * Node's on-disk compile cache (node >= 22.1) for the credential_process helper, kept in the step's
 * private directory: a miss loads the whole action and the SDK, and compiling that source is most of
 * its start-up. The cache holds compiled code that Node runs without reading the source again, so a
 * directory someone else could write is never used: the private directory and the cache directory in
 * it must be real directories of this user's that nobody else can write, by the same rule as the
 * plan file (cacheFile.ts ownershipProblem). It is enabled nowhere else, and not at all on a Node
 * without the API.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { errCode } from '../base/fsProbe.js';
import { ownershipProblem } from './cacheFile.js';

export const COMPILE_CACHE_DIR = 'compile-cache';

type EnableCompileCache = (dir: string) => { status: number; directory?: string };

/**
 * Enables the compile cache in `privateDir`/compile-cache when both directories pass the checks;
 * returns the directory Node uses (a NODE_COMPILE_CACHE the caller set is already in force and wins),
 * else undefined.
 */
export function enableCompileCacheIn(privateDir: string): string | undefined {
  const enable = (nodeModule as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (typeof enable !== 'function' || !trustedDir(privateDir)) return undefined;
  const dir = join(privateDir, COMPILE_CACHE_DIR);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if (errCode(e) !== 'EEXIST') return undefined;
  }
  if (!trustedDir(dir)) return undefined;
  return enable(dir).directory;
}

/** A real directory (lstat: a link to one is refused) that passes ownershipProblem. */
function trustedDir(dir: string): boolean {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch {
    return false;
  }
  return st.isDirectory() && ownershipProblem(dir, st) === undefined;
}
