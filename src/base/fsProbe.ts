/**
 * The two smallest filesystem helpers, kept apart from fileLock.ts and safeFiles.ts (which load
 * node:crypto for their random names) so the credential_process helper's cache hit can use them
 * without loading it (refresh/cacheHit.ts).
 */
import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';

/** An fs error code, if any. */
export function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** `lstat`, or undefined when nothing is there; any other failure becomes the caller's error. */
export async function lstatIfExists(path: string, failure: (e: unknown) => Error): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw failure(e);
  }
}
