/**
 * The one way the action reads a file it did not write (config, credentials and web identity token
 * files): open once, check what was opened, read at most a fixed number of bytes.
 *
 * - A symlink is followed, as botocore follows it, but the check is made with fstat on the opened
 *   descriptor, so what is read is what was checked (no race between a stat and the open).
 * - Only a regular file is read: a FIFO, a socket, a directory or a device such as /dev/zero is refused.
 *   The open is non-blocking, so a FIFO with no writer cannot hang the step before it is refused.
 * - At most `cap + 1` bytes are read: a file that grows past the cap (or lies about its size) is
 *   refused without being read whole.
 *
 * Errors are returned as a reason the caller words into its own typed error (it knows which input or
 * config line named the file).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Largest AWS config or credentials file read (real ones are a few kB; 1 MiB holds thousands of profiles). */
export const PROFILE_FILE_CAP = 1024 * 1024;
/** Largest web identity token file read (a JWT from GitHub or EKS is 1–2 kB). */
export const TOKEN_FILE_CAP = 16 * 1024;

export type BoundedRead =
  | { readonly ok: true; readonly data: Buffer }
  | { readonly ok: false; readonly reason: 'missing' | 'not-regular' | 'too-large' | 'unreadable'; readonly detail: string };

// O_NONBLOCK does not exist on Windows, where opening a pipe does not wait for a writer anyway.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export function readBoundedFile(path: string, cap: number): BoundedRead {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing', detail: 'does not exist' };
    if (code === 'EISDIR') return { ok: false, reason: 'not-regular', detail: 'is a directory, not a regular file' };
    return { ok: false, reason: 'unreadable', detail: `cannot be opened (${code})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, reason: 'not-regular', detail: `is ${kindOf(st)}, not a regular file` };
    if (st.size > cap) return { ok: false, reason: 'too-large', detail: `is ${st.size} bytes; the limit is ${cap}` };
    // Read one byte past the cap: a file that grew since the fstat is refused, not read without end.
    const buffer = Buffer.alloc(cap + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > cap) return { ok: false, reason: 'too-large', detail: `is more than ${cap} bytes; the limit is ${cap}` };
    return { ok: true, data: buffer.subarray(0, length) };
  } catch (err) {
    return { ok: false, reason: 'unreadable', detail: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    closeSync(fd);
  }
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/**
 * A token file inside a `.git` directory is refused: a checked-in config could otherwise name
 * `.git/config`, whose checkout credentials would then be sent as the "token" (issue 14). Compared
 * case-insensitively, as on macOS and Windows file systems.
 */
export function gitPathProblem(path: string): string | undefined {
  return path.split(/[\\/]+/).some((part) => part.toLowerCase() === '.git') ? 'names a file inside a .git directory, which is never a token file' : undefined;
}
