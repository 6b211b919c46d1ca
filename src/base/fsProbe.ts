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

/**
 * Whether ownership and permission bits mean anything here. Not on Windows: Node reports uid 0 and a
 * mode made from the read-only attribute alone (0666 for any writable file), and access is decided by
 * ACLs instead; the files live in the user's profile or RUNNER_TEMP (README "Windows and macOS").
 */
export function posixOwnership(platform: NodeJS.Platform = process.platform, hasUid = typeof process.getuid === 'function'): boolean {
  return platform !== 'win32' && hasUid;
}

export const POSIX_OWNERSHIP = posixOwnership();

export interface OwnedStat {
  readonly uid: number;
  readonly mode: number;
}

/**
 * Why a private file (one this action wrote for itself) cannot be trusted: it must be this user's and
 * writable by nobody else. Undefined where the platform has no such bits (`posix` false: Windows).
 */
export function privateFileProblem(st: OwnedStat, posix = POSIX_OWNERSHIP): string | undefined {
  if (!posix) return undefined;
  if (st.uid !== process.getuid!()) return 'belongs to another user';
  if ((st.mode & 0o022) !== 0) return 'can be written by other users';
  return undefined;
}
