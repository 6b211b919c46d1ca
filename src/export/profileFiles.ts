/**
 * Named AWS profiles in the shared credentials file and the shared config file, written so that
 * everything else in those files stays byte-for-byte as it was, and removed again at the end of the
 * job (exactly the sections written, and only while they are still exactly as written).
 *
 * - credentials file: `[NAME]` with `aws_access_key_id`, `aws_secret_access_key` and, when present,
 *   `aws_session_token`; config file: `[profile NAME]` (`[default]` for `default`) with `region` when
 *   given. Both sections are always written, so an existing config profile of the same name (with a
 *   `role_arn`, `credential_process`, ...) can never take precedence over the written keys.
 * - Existing sections are found as botocore finds them (see config/configparser.ts and config/sections.ts). A profile that already
 *   exists in either file is refused unless `overwrite`; then its section is replaced in place (its
 *   header through its last option; comments and blank lines after it stay), any further sections
 *   defining the same profile (e.g. `[default]` and `[profile default]`) are removed, and what was
 *   replaced is recorded so removal puts it back.
 * - New sections are appended; the last line is terminated if it was not, and one blank line
 *   separates a new section from non-blank text before it. Both facts are recorded so removal can
 *   undo them.
 * - The files must be regular files of this user's, under a size cap, that parse as AWS INI files,
 *   in directories only this user (or root) can write (safeFiles.ts, profileText.ts).
 * - Both files are locked (in a fixed order) for one whole write or removal; both are checked before
 *   either is written; each is replaced atomically (see safeFiles.ts). A write can be undone byte for
 *   byte by the step that made it (`writeProfilesUndoable`).
 */
import { resolve, dirname } from 'node:path';
import { UserError } from '../base/errors.js';
import { acquireLock, errCode, type HeldLock, type LockOptions } from '../base/fileLock.js';
import type { IniFileKind } from '../config/sections.js';
import { pyStrip } from '../config/python.js';
import { checkDir, commitChanges, ensureDir, fsError, removeEmptyDirs, type FileChange } from '../base/safeFiles.js';
import { validateEntries, type ProfileEntry, type ProfileFilePaths } from './profilePaths.js';
import { conflictError, planRemove, planWrite, readState, type FileState, type WrittenSection } from './profileText.js';

export {
  defaultProfilePaths,
  inputProfilePath,
  validateProfileName,
  type CredentialProcess,
  type ProfileEntry,
  type ProfileFilePaths,
} from './profilePaths.js';
export type { WrittenSection } from './profileText.js';

/** What `writeProfiles` did; plain JSON (no secrets unless it replaced sections), kept for the post step. */
export interface WrittenProfiles {
  readonly credentialsFile: string;
  readonly configFile: string;
  readonly profiles: string[];
  /** Files that did not exist before the write. */
  readonly createdFiles: string[];
  /** Directories the write created, outermost first. */
  readonly createdDirs: string[];
  readonly sections: WrittenSection[];
}

export interface WriteOptions {
  /** Replace profiles that already exist instead of refusing. */
  readonly overwrite: boolean;
  readonly lock?: LockOptions;
}

// ---------------------------------------------------------------------------------------------
// Locking

class DirectoryGone extends Error {}

async function lockAll(files: readonly string[], opts: LockOptions | undefined): Promise<HeldLock[]> {
  const held: HeldLock[] = [];
  try {
    for (const file of [...files].sort()) {
      try {
        held.push(await acquireLock(file, opts));
      } catch (e) {
        if (errCode(e) === 'ENOENT') throw new DirectoryGone();
        const code = errCode(e);
        if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
          const why = code === 'EROFS' ? 'read-only file system' : 'permission denied';
          throw new UserError(`Cannot write AWS profiles to ${file}: the directory ${dirname(file)} is not writable (${why}).`);
        }
        throw fsError('create the lock file', `${file}.lock`, e);
      }
    }
    return held;
  } catch (e) {
    await releaseAll(held);
    throw e;
  }
}

async function releaseAll(held: readonly HeldLock[]): Promise<void> {
  for (const l of [...held].reverse()) await l.release().catch(() => undefined);
}

/** Lock `files` (creating their directories when `createdDirs` is given), run `fn`, unlock. */
async function underLocks<T>(files: readonly string[], opts: LockOptions | undefined, createdDirs: string[] | undefined, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    if (createdDirs) for (const dir of new Set(files.map((f) => dirname(f)))) await ensureDir(dir, createdDirs);
    let held: HeldLock[];
    try {
      held = await lockAll(files, opts);
    } catch (e) {
      // A directory removed by a concurrent cleanup between creating it and locking: create it again.
      if (e instanceof DirectoryGone && createdDirs && attempt < 5) continue;
      throw e;
    }
    try {
      return await fn();
    } finally {
      await releaseAll(held);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// API

/** A write, and how to undo it (the step's own failure after the write: the files as they were). */
export interface UndoableWrite {
  readonly written: WrittenProfiles;
  undo(): Promise<void>;
}

/**
 * Write `entries` as named profiles. Refuses (writing nothing) when a profile already exists in
 * either file, unless `opts.overwrite`.
 */
export async function writeProfiles(paths: ProfileFilePaths, entries: readonly ProfileEntry[], opts: WriteOptions): Promise<WrittenProfiles> {
  return (await writeProfilesUndoable(paths, entries, opts)).written;
}

export async function writeProfilesUndoable(paths: ProfileFilePaths, entries: readonly ProfileEntry[], opts: WriteOptions): Promise<UndoableWrite> {
  const credentialsFile = resolve(paths.credentialsFile);
  const configFile = resolve(paths.configFile);
  if (credentialsFile === configFile) {
    throw new UserError(`The shared credentials file and the shared config file are the same file (${credentialsFile}).`);
  }
  validateEntries(entries);
  const createdDirs: string[] = [];
  const result: WrittenProfiles = {
    credentialsFile,
    configFile,
    profiles: entries.map((e) => e.name),
    createdFiles: [],
    createdDirs,
    sections: [],
  };
  const applied: FileChange[] = [];
  if (entries.length === 0) return { written: result, undo: async () => undefined };

  const targets: [string, IniFileKind][] = [
    [credentialsFile, 'credentials'],
    [configFile, 'config'],
  ];
  try {
    await underLocks([credentialsFile, configFile], opts.lock, createdDirs, async () => {
      const states: FileState[] = [];
      for (const [path, kind] of targets) states.push(await readState(path, kind));
      const plans = states.map((s) => planWrite(s, entries, opts.overwrite));
      const conflicts = plans.flatMap((p) => p.conflicts);
      if (conflicts.length > 0 && !opts.overwrite) throw conflictError(conflicts);
      const changes: FileChange[] = states.map((s, i) => ({
        path: s.path,
        data: s.codec.encode(plans[i]?.text ?? ''),
        original: s.original,
      }));
      await commitChanges(changes);
      applied.push(...changes);
      for (const s of states) if (s.original === undefined) result.createdFiles.push(s.path);
      for (const p of plans) result.sections.push(...p.sections);
    });
  } catch (e) {
    await removeEmptyDirs(createdDirs);
    createdDirs.length = 0;
    if (e instanceof DirectoryGone) {
      throw new UserError(`Cannot write AWS profiles: the directory of ${credentialsFile} or ${configFile} keeps disappearing.`);
    }
    throw e;
  }
  return { written: result, undo: () => undoWrite(result, applied, opts.lock) };
}

/**
 * Put the files back as they were before the write: byte for byte while they still hold exactly what
 * was written; otherwise (someone wrote meanwhile) only the written sections are taken out.
 */
async function undoWrite(written: WrittenProfiles, applied: readonly FileChange[], lock: LockOptions | undefined): Promise<void> {
  let changedMeanwhile = false;
  await underLocks(
    applied.map((c) => c.path),
    lock,
    undefined,
    async () => {
      const states: FileState[] = [];
      for (const c of applied) states.push(await readState(c.path, c.path === written.credentialsFile ? 'credentials' : 'config'));
      changedMeanwhile = states.some((s, i) => !s.original || !applied[i]?.data || !s.original.equals(applied[i].data));
      if (changedMeanwhile) return;
      await commitChanges(applied.map((c, i) => ({ path: c.path, data: c.original, original: states[i]?.original })));
    },
  );
  if (changedMeanwhile) await removeProfiles(written, { lock });
  else await removeEmptyDirs(written.createdDirs);
}

/** What removal could not take out: profiles (by file) changed since this step wrote them. */
export interface RemovalReport {
  readonly left: Array<{ readonly file: string; readonly profile: string }>;
}

/**
 * Remove the sections `writeProfiles` wrote while each is still exactly as written (by hash), putting
 * back a section an overwrite replaced, the separators it added, and the files and directories it
 * created when they are left empty. Everything else in the files is kept byte-for-byte, including
 * what others wrote meanwhile. Missing files or directories are not an error.
 */
export async function removeProfiles(written: WrittenProfiles, opts: { readonly lock?: LockOptions } = {}): Promise<RemovalReport> {
  const left: RemovalReport['left'] = [];
  if (written.sections.length > 0) {
    const targets: [string, IniFileKind][] = [
      [resolve(written.credentialsFile), 'credentials'],
      [resolve(written.configFile), 'config'],
    ];
    const created = new Set(written.createdFiles.map((f) => resolve(f)));
    for (let attempt = 0; ; attempt++) {
      left.length = 0;
      const present: [string, IniFileKind][] = [];
      for (const t of targets) if (await checkDir(dirname(t[0]))) present.push(t);
      if (present.length === 0) break;
      try {
        await underLocks(
          present.map(([p]) => p),
          opts.lock,
          undefined,
          async () => {
            const states: FileState[] = [];
            for (const [path, kind] of present) states.push(await readState(path, kind));
            // A profile is its two sections: when either changed (or is gone), both stay.
            for (const state of states) {
              if (state.original === undefined) continue;
              for (const profile of planRemove(state, written.sections).left) left.push({ file: state.path, profile });
            }
            const keep = new Set(left.map((l) => l.profile));
            const records = written.sections.filter((r) => !keep.has(r.profile));
            const changes: FileChange[] = [];
            for (const state of states) {
              const { path } = state;
              if (state.original === undefined) continue;
              const plan = planRemove(state, records);
              if (plan.text === undefined) continue;
              const empty = pyStrip(plan.text) === '' && created.has(path);
              changes.push({ path, data: empty ? undefined : state.codec.encode(plan.text), original: state.original });
            }
            await commitChanges(changes);
          },
        );
        break;
      } catch (e) {
        // A directory removed by someone else between the check and the lock: look again.
        if (e instanceof DirectoryGone && attempt < 5) continue;
        if (e instanceof DirectoryGone)
          throw new UserError(`Cannot remove AWS profiles: the directory of ${written.credentialsFile} or ${written.configFile} keeps disappearing.`);
        throw e;
      }
    }
  }
  await removeEmptyDirs(written.createdDirs);
  return { left };
}
