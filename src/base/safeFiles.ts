/**
 * Careful file operations for the shared credentials/config files: no symbolic links, regular files
 * only, directories created 0700, files replaced atomically (temp file O_EXCL 0600 in the same
 * directory, fsync, rename, fsync of the directory).
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { chmod, type FileHandle, lstat, mkdir, open, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from './errors.js';
import { errCode, lstatIfExists, type OwnedStat, POSIX_OWNERSHIP } from './fsProbe.js';

export { lstatIfExists, POSIX_OWNERSHIP };
export { posixOwnership, privateFileProblem } from './fsProbe.js';

const O_NOFOLLOW = fsc.O_NOFOLLOW ?? 0;
const O_NONBLOCK = fsc.O_NONBLOCK ?? 0;

/** A filesystem failure worded for the user (paths and error codes only, never file contents). */
export function fsError(action: string, path: string, e: unknown): UserError {
  if (e instanceof UserError) return e;
  const code = errCode(e);
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EROFS'
        ? 'read-only file system'
        : code === 'ENOSPC'
          ? 'no space left on device'
          : code === 'EDQUOT'
            ? 'disk quota exceeded'
            : (code ?? (e instanceof Error ? e.message : String(e)));
  return new UserError(`Cannot ${action} ${path}: ${why}`);
}

function symlinkError(path: string, what: string): UserError {
  return new UserError(`Refusing to write AWS profiles: ${what} ${path} is a symbolic link. Use the path it points to instead.`);
}

/**
 * Largest profile file read or written: far above a real one (1 000 profiles with session tokens are
 * about 1.5 MB), small enough that a wrong path (a device, a log) is refused before it costs memory.
 */
export const MAX_PROFILE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Why a directory that will hold written profiles (or the private directory) cannot be trusted, as
 * OpenSSH judges `~/.ssh`: it must belong to this user (or root) and not be writable by group or
 * others, else another user could swap a file in it. `stickyOk`: a sticky world-writable directory
 * (/tmp) is fine as the parent of a private directory, since nobody else can rename entries in it.
 */
export function dirTrustProblem(st: OwnedStat, stickyOk = false, posix = POSIX_OWNERSHIP): string | undefined {
  if (!posix) return undefined;
  const me = process.getuid!();
  if (st.uid !== me && st.uid !== 0) return `belongs to another user (uid ${st.uid})`;
  if ((st.mode & 0o022) !== 0 && !(stickyOk && (st.mode & 0o1000) !== 0)) {
    return `can be written by group or others (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}); chmod go-w it`;
  }
  return undefined;
}

/** Throws unless `dir` is absent or a real directory this user can trust. Returns whether it exists. */
export async function checkDir(dir: string): Promise<boolean> {
  const st = await lstatIfExists(dir, (e) => fsError('inspect the directory', dir, e));
  if (!st) return false;
  if (st.isSymbolicLink()) throw symlinkError(dir, 'the directory');
  if (!st.isDirectory()) throw new UserError(`Refusing to write AWS profiles: ${dir} is not a directory.`);
  const problem = dirTrustProblem(st);
  if (problem) throw new UserError(`Refusing to write AWS profiles in ${dir}: the directory ${problem}.`);
  return true;
}

/**
 * Create `dir` and any missing ancestors with mode 0700, appending each directory this call created
 * (outermost first) to `created`. Ancestors may be symbolic links (e.g. /tmp on macOS); `dir` may not.
 * A directory removed by a concurrent cleanup halfway through is created again.
 */
export async function ensureDir(dir: string, created: string[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    if (await checkDir(dir)) return;
    const missing: string[] = [dir];
    for (let cur = dirname(dir); cur !== dirname(cur); cur = dirname(cur)) {
      try {
        const st = await stat(cur);
        if (!st.isDirectory()) throw new UserError(`Refusing to write AWS profiles: ${cur} is not a directory.`);
        break;
      } catch (e) {
        if (errCode(e) !== 'ENOENT') throw fsError('inspect the directory', cur, e);
        missing.push(cur);
      }
    }
    let vanished = false;
    for (const d of missing.reverse()) {
      try {
        await mkdir(d, { mode: 0o700 });
      } catch (e) {
        const code = errCode(e);
        if (code === 'EEXIST') continue; // made by someone else meanwhile: not ours
        if (code === 'ENOENT' && attempt < 5) {
          vanished = true; // the parent went away meanwhile
          break;
        }
        throw fsError('create the directory', d, e);
      }
      created.push(d);
      await chmod(d, 0o700).catch((e: unknown) => {
        throw fsError('set the mode of the directory', d, e);
      });
    }
    if (!vanished) {
      await checkDir(dir);
      return;
    }
  }
}

/** Remove the given directories (innermost first) where they are empty. */
export async function removeEmptyDirs(dirs: readonly string[]): Promise<void> {
  for (const d of [...dirs].reverse()) {
    try {
      const st = await lstat(d);
      if (!st.isDirectory()) continue;
      await rmdir(d);
    } catch {
      // not empty, gone, or not ours to remove any more
    }
  }
}

/** Contents of a regular file, or undefined when it does not exist. Refuses symbolic links and non-regular files. */
export async function readRegularFile(path: string): Promise<Buffer | undefined> {
  const st = await lstatIfExists(path, (e) => fsError('inspect', path, e));
  if (!st) return undefined;
  if (st.isSymbolicLink()) throw symlinkError(path, 'the file');
  if (!st.isFile()) throw new UserError(`Refusing to write AWS profiles: ${path} is not a regular file.`);
  checkFileStat(path, st);
  let fh: FileHandle;
  try {
    fh = await open(path, fsc.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') throw symlinkError(path, 'the file');
    throw fsError('read', path, e);
  }
  try {
    const fst = await fh.stat();
    if (!fst.isFile()) throw new UserError(`Refusing to write AWS profiles: ${path} is not a regular file.`);
    checkFileStat(path, fst);
    // Read at most one byte past the cap: a file growing while read is refused too.
    const buf = Buffer.alloc(Math.min(fst.size, MAX_PROFILE_FILE_BYTES) + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got === buf.length) break;
    }
    if (got > MAX_PROFILE_FILE_BYTES) throw tooBig(path);
    if (got === buf.length) throw new UserError(`Refusing to write AWS profiles: ${path} grew while it was being read.`);
    return buf.subarray(0, got);
  } catch (e) {
    throw fsError('read', path, e);
  } finally {
    await fh.close();
  }
}

function tooBig(path: string): UserError {
  return new UserError(`Refusing to write AWS profiles: ${path} is larger than ${MAX_PROFILE_FILE_BYTES / 1024 / 1024} MiB, which no AWS profile file is.`);
}

/** A profile file must be this user's and under the size cap. */
function checkFileStat(path: string, st: OwnedStat & { readonly size: number }): void {
  if (st.size > MAX_PROFILE_FILE_BYTES) throw tooBig(path);
  if (POSIX_OWNERSHIP && st.uid !== process.getuid!()) {
    throw new UserError(`Refusing to write AWS profiles: ${path} belongs to another user (uid ${st.uid}).`);
  }
}

/** Write `data` to a new 0600 temp file beside `target` (O_CREAT|O_EXCL) and fsync it. Returns its path. */
export async function writeTemp(target: string, data: Buffer): Promise<string> {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: FileHandle;
  try {
    fh = await open(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY | O_NOFOLLOW, 0o600);
  } catch (e) {
    throw fsError('create a temporary file in', dirname(target), e);
  }
  try {
    await fh.writeFile(data);
    await fh.chmod(0o600);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw fsError('write a temporary file for', target, e);
  }
  await fh.close();
  return tmp;
}

/** fsync a directory so a rename in it is durable; not possible on every platform, so best effort. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, fsc.O_RDONLY);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // e.g. Windows cannot open a directory
  }
}

/** One file's new state: `data` undefined means delete the file. `original` undefined: it did not exist. */
export interface FileChange {
  readonly path: string;
  readonly data: Buffer | undefined;
  readonly original: Buffer | undefined;
}

/**
 * Apply several file changes as close to all-or-nothing as the filesystem allows: every temp file is
 * written and synced first; then the renames/unlinks run; if one fails, the files already changed
 * are put back as they were.
 */
export async function commitChanges(changes: readonly FileChange[]): Promise<void> {
  const temps: (string | undefined)[] = [];
  try {
    for (const c of changes) temps.push(c.data === undefined ? undefined : await writeTemp(c.path, c.data));
  } catch (e) {
    await Promise.all(temps.map((t) => (t ? unlink(t).catch(() => undefined) : undefined)));
    throw e;
  }
  const done: FileChange[] = [];
  try {
    for (const [i, c] of changes.entries()) {
      const tmp = temps[i];
      if (tmp === undefined) {
        await unlink(c.path).catch((e: unknown) => {
          if (errCode(e) !== 'ENOENT') throw fsError('delete', c.path, e);
        });
      } else {
        await rename(tmp, c.path).catch((e: unknown) => {
          throw fsError('replace', c.path, e);
        });
        temps[i] = undefined;
      }
      done.push(c);
    }
  } catch (e) {
    await Promise.all(temps.map((t) => (t ? unlink(t).catch(() => undefined) : undefined)));
    for (const c of done.reverse()) {
      try {
        if (c.original === undefined) await unlink(c.path);
        else await rename(await writeTemp(c.path, c.original), c.path);
      } catch {
        // best effort: the error below is what the user needs to see
      }
    }
    throw e;
  }
  for (const dir of new Set(changes.map((c) => dirname(c.path)))) await syncDir(dir);
}
