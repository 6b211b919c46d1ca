/**
 * The two smallest filesystem helpers, kept apart from fileLock.ts and safeFiles.ts (which load
 * node:crypto for their random names) so the credential_process helper's cache hit can use them
 * without loading it (refresh/cacheHit.ts). For the same reason they use node:fs callbacks, not
 * node:fs/promises: loading that module also loads Node's readline and file-watcher modules, which
 * costs the hit more than the rest of its own code.
 */
import { lstat, readFile, type Stats } from 'node:fs';

/** An fs error code, if any. */
export function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** `lstat`, or undefined when nothing is there; any other failure becomes the caller's error. */
export function lstatIfExists(path: string, failure: (e: unknown) => Error): Promise<Stats | undefined> {
  return new Promise((resolve, reject) => {
    lstat(path, (e, st) => {
      if (!e) resolve(st);
      else if (errCode(e) === 'ENOENT') resolve(undefined);
      else reject(failure(e));
    });
  });
}

/** `readFile` as text, through node:fs (see above). */
export function readText(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    readFile(path, 'utf8', (e, text) => (e ? reject(e) : resolve(text)));
  });
}
