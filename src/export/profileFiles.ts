/**
 * Named AWS profiles in the shared credentials file and the shared config file, written so that
 * everything else in those files stays byte-for-byte as it was, and removed again at the end of the
 * job (exactly the sections written, nothing else).
 *
 * - credentials file: `[NAME]` with `aws_access_key_id`, `aws_secret_access_key` and, when present,
 *   `aws_session_token`; config file: `[profile NAME]` (`[default]` for `default`) with `region` when
 *   given. Both sections are always written, so an existing config profile of the same name (with a
 *   `role_arn`, `credential_process`, ...) can never take precedence over the written keys.
 * - Existing sections are found as botocore finds them (see iniSections.ts). A profile that already
 *   exists in either file is refused unless `overwrite`; then its section is replaced in place (its
 *   header through its last option; comments and blank lines after it stay) and any further sections
 *   defining the same profile (e.g. `[default]` and `[profile default]`) are removed.
 * - New sections are appended; the last line is terminated if it was not, and one blank line
 *   separates a new section from non-blank text before it. Both facts are recorded so removal can
 *   undo them.
 * - Both files are locked (in a fixed order) for one whole write or removal; both are checked before
 *   either is written; each is replaced atomically (see safeFiles.ts).
 */
import { resolve, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import type { AwsCredentials } from '../plan/types.js';
import { acquireLock, errCode, type HeldLock, type LockOptions } from './fileLock.js';
import {
  detectNewline,
  headerFor,
  joinLines,
  parseIni,
  profileOfSection,
  splitLines,
  type IniFileKind,
  type Line,
} from './iniSections.js';
import { pyStrip } from '../config/configparser.js';
import { checkDir, commitChanges, ensureDir, fsError, readRegularFile, removeEmptyDirs, type FileChange } from './safeFiles.js';

/** A command the SDKs run for credentials (the config profile's `credential_process`). */
export interface CredentialProcess {
  readonly credentialProcess: string;
}

export interface ProfileEntry {
  readonly name: string;
  /** Keys for the credentials file, or a command for the config file (the credentials section is then empty). */
  readonly credentials: AwsCredentials | CredentialProcess;
  readonly region?: string;
}

const isProcess = (c: ProfileEntry['credentials']): c is CredentialProcess => 'credentialProcess' in c;

export interface ProfileFilePaths {
  readonly credentialsFile: string;
  readonly configFile: string;
}

/** How one section was written, so removal can undo exactly the text that was added around it. */
export interface WrittenSection {
  readonly file: IniFileKind;
  readonly profile: string;
  /** The header line as written, e.g. `[profile dev]`. */
  readonly header: string;
  /** The newline used (the file's own convention). */
  readonly newline: string;
  /** A blank line was inserted before the header (appended sections only). */
  readonly blankLineBefore: boolean;
  /** The file's last line had no terminator and one was added (appended sections only). */
  readonly terminatedPreviousLine: boolean;
}

/** What `writeProfiles` did; plain JSON (no secrets), to be saved for the post step. */
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

const FILE_LABEL: Record<IniFileKind, string> = {
  credentials: 'shared credentials file',
  config: 'shared config file',
};

// ---------------------------------------------------------------------------------------------
// Paths and validation

/** Python's os.path.expandvars: `$NAME` and `${NAME}` replaced when set, left as is otherwise. */
function expandVars(p: string, env: NodeJS.ProcessEnv): string {
  return p.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const key = name.startsWith('{') ? name.slice(1, -1) : name;
    const v = env[key];
    return v === undefined ? whole : v;
  });
}

function expandUser(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/') || p.startsWith('~\\')) return join(home, p.slice(2));
  return p;
}

/**
 * AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE (with `~` and `$VAR` expanded, as botocore does; an
 * empty value counts as unset), else `~/.aws/credentials` and `~/.aws/config`. Absolute paths.
 */
export function defaultProfilePaths(env: NodeJS.ProcessEnv, home: string): ProfileFilePaths {
  const pick = (value: string | undefined, fallback: string): string =>
    resolve(value ? expandUser(expandVars(value, env), home) : fallback);
  return {
    credentialsFile: pick(env.AWS_SHARED_CREDENTIALS_FILE, join(home, '.aws', 'credentials')),
    configFile: pick(env.AWS_CONFIG_FILE, join(home, '.aws', 'config')),
  };
}

/**
 * Why `name` cannot be a profile name written by this module (a phrase like "must not be empty"), or
 * undefined when it can. Beyond what INI syntax needs, names are kept to what every SDK reads back
 * the same way: no whitespace or control characters, no brackets, slashes, backslashes or quotes.
 */
export function validateProfileName(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (/[\s\p{Z}\p{C}]/u.test(name)) return 'must not contain whitespace or control characters';
  const bad = /[[\]/\\'"]/.exec(name);
  if (bad) return `must not contain '${bad[0]}'`;
  if (name === '__proto__') return "must not be '__proto__'";
  if (name === 'DEFAULT') return "must not be 'DEFAULT' (configparser treats [DEFAULT] as defaults for every section)";
  return undefined;
}

function checkValue(value: string | undefined, what: string, profile: string, required: boolean): void {
  if (value === undefined || value === '') {
    if (required) throw new UserError(`Cannot write profile '${profile}': the ${what} is empty.`);
    return;
  }
  if (/[\s\p{Z}\p{C}]/u.test(value)) {
    throw new UserError(`Cannot write profile '${profile}': the ${what} contains whitespace or control characters.`);
  }
}

function validateEntries(entries: readonly ProfileEntry[]): void {
  const seen = new Set<string>();
  for (const e of entries) {
    const problem = validateProfileName(e.name);
    if (problem) throw new UserError(`Invalid profile name ${JSON.stringify(e.name)}: ${problem}.`);
    if (seen.has(e.name)) throw new UserError(`Profile '${e.name}' is listed more than once.`);
    seen.add(e.name);
    if (isProcess(e.credentials)) {
      // One line: spaces are part of the command, line breaks would end the option.
      if (e.credentials.credentialProcess.trim() === '' || /[\p{C}]/u.test(e.credentials.credentialProcess)) {
        throw new UserError(`Cannot write profile '${e.name}': the credential_process command is empty or contains control characters.`);
      }
    } else {
      checkValue(e.credentials.accessKeyId, 'access key id', e.name, true);
      checkValue(e.credentials.secretAccessKey, 'secret access key', e.name, true);
      checkValue(e.credentials.sessionToken, 'session token', e.name, false);
    }
    checkValue(e.region, 'region', e.name, false);
  }
}

// ---------------------------------------------------------------------------------------------
// Text edits

/**
 * Decoding that gives the bytes back exactly: UTF-8 when the file is valid UTF-8 (a BOM is kept as a
 * character), else Latin-1, where text this module adds is carried as its UTF-8 bytes.
 */
interface Codec {
  decode(buf: Buffer): string;
  encode(text: string): Buffer;
  /** A string of this module (UTF-8) as it appears in decoded text. */
  lift(s: string): string;
}

function codecFor(buf: Buffer): Codec {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
    return {
      decode: (b) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(b),
      encode: (t) => Buffer.from(t, 'utf8'),
      lift: (s) => s,
    };
  } catch {
    return {
      decode: (b) => b.toString('latin1'),
      encode: (t) => Buffer.from(t, 'latin1'),
      lift: (s) => Buffer.from(s, 'utf8').toString('latin1'),
    };
  }
}

interface FileState {
  readonly path: string;
  readonly kind: IniFileKind;
  /** undefined: the file does not exist. */
  readonly original: Buffer | undefined;
  readonly codec: Codec;
  readonly lines: Line[];
}

async function readState(path: string, kind: IniFileKind): Promise<FileState> {
  await checkDir(dirname(path));
  const original = await readRegularFile(path);
  const buf = original ?? Buffer.alloc(0);
  const codec = codecFor(buf);
  return { path, kind, original, codec, lines: splitLines(codec.decode(buf)) };
}

function blockFor(entry: ProfileEntry, kind: IniFileKind): string[] {
  const lines = [headerFor(entry.name, kind)];
  const creds = entry.credentials;
  if (kind === 'credentials') {
    // A credential_process profile keeps an empty section here: it still replaces keys of the same name.
    if (!isProcess(creds)) {
      lines.push(`aws_access_key_id = ${creds.accessKeyId}`);
      lines.push(`aws_secret_access_key = ${creds.secretAccessKey}`);
      if (creds.sessionToken) lines.push(`aws_session_token = ${creds.sessionToken}`);
    }
  } else {
    if (isProcess(creds)) lines.push(`credential_process = ${creds.credentialProcess}`);
    if (entry.region) lines.push(`region = ${entry.region}`);
  }
  return lines;
}

/** The section names a parse yields, in order. */
function sectionNames(lines: readonly Line[]): string[] {
  return parseIni(lines).sections.map((s) => s.name);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function unsafeEdit(state: FileState, doing: string): UserError {
  return new UserError(
    `Cannot safely ${doing} ${state.path}: the edit would change how the sections around it are read ` +
      `(an indented section header follows it). Remove the indentation before that header.`,
  );
}

interface Conflict {
  readonly profile: string;
  readonly state: FileState;
  readonly line: number;
}

interface WritePlan {
  readonly conflicts: Conflict[];
  readonly text: string;
  readonly sections: WrittenSection[];
}

function planWrite(state: FileState, entries: readonly ProfileEntry[], overwrite: boolean): WritePlan {
  const { codec, lines, kind } = state;
  const nl = detectNewline(lines);
  const parsed = parseIni(lines);
  const conflicts: Conflict[] = [];
  /** Per original line index: lines to emit instead of the span starting there, and where it ends. */
  const replaceAt = new Map<number, { until: number; with: Line[] }>();
  const appended: ProfileEntry[] = [];
  const expectedNames: (string | undefined)[] = parsed.sections.map((s) => s.name);
  const written: WrittenSection[] = [];

  for (const entry of entries) {
    const block = blockFor(entry, kind).map((t) => codec.lift(t));
    const matches = parsed.sections
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => profileOfSection(s.name, kind) === codec.lift(entry.name));
    const first = matches[0];
    if (!first) {
      appended.push(entry);
      continue;
    }
    conflicts.push({ profile: entry.name, state, line: first.s.header + 1 });
    const lastEol = lines[first.s.bodyEnd]?.eol ?? '';
    replaceAt.set(first.s.header, {
      until: first.s.bodyEnd,
      with: block.map((text, j) => ({ text, eol: j === block.length - 1 ? lastEol : nl })),
    });
    expectedNames[first.i] = codec.lift(headerFor(entry.name, kind).slice(1, -1));
    for (const { s, i } of matches.slice(1)) {
      replaceAt.set(s.header, { until: s.bodyEnd, with: [] });
      expectedNames[i] = undefined;
    }
    written.push({
      file: kind,
      profile: entry.name,
      header: headerFor(entry.name, kind),
      newline: nl,
      blankLineBefore: false,
      terminatedPreviousLine: false,
    });
  }

  const out: Line[] = [];
  for (let i = 0; i < lines.length; i++) {
    const r = replaceAt.get(i);
    if (r) {
      out.push(...r.with);
      i = r.until;
    } else {
      const line = lines[i];
      if (line) out.push(line);
    }
  }
  for (const entry of appended) {
    let terminated = false;
    let blank = false;
    const last = out[out.length - 1];
    if (last) {
      if (last.eol === '') {
        out[out.length - 1] = { text: last.text, eol: nl };
        terminated = true;
      }
      if (pyStrip(last.text) !== '') {
        out.push({ text: '', eol: nl });
        blank = true;
      }
    }
    for (const text of blockFor(entry, kind)) out.push({ text: codec.lift(text), eol: nl });
    expectedNames.push(codec.lift(headerFor(entry.name, kind).slice(1, -1)));
    written.push({
      file: kind,
      profile: entry.name,
      header: headerFor(entry.name, kind),
      newline: nl,
      blankLineBefore: blank,
      terminatedPreviousLine: terminated,
    });
  }

  // (When the write is refused anyway, the conflict is what to report.)
  if (conflicts.length === 0 || overwrite) {
    const expected = expectedNames.filter((n): n is string => n !== undefined);
    if (!sameList(sectionNames(out), expected)) throw unsafeEdit(state, 'write AWS profiles to');
  }
  return { conflicts, text: joinLines(out), sections: written };
}

interface RemovePlan {
  /** undefined: nothing to change. */
  readonly text: string | undefined;
}

function planRemove(state: FileState, profiles: readonly string[], records: readonly WrittenSection[]): RemovePlan {
  const { codec, lines, kind } = state;
  const parsed = parseIni(lines);
  const deleted = new Set<number>();
  const removedSections = new Set<number>();
  const stripEolCandidates: { prev: number; eol: string }[] = [];

  for (const profile of profiles) {
    const record = records.find((r) => r.file === kind && r.profile === profile);
    let recordUsed = false;
    parsed.sections.forEach((s, i) => {
      if (profileOfSection(s.name, kind) !== codec.lift(profile)) return;
      removedSections.add(i);
      for (let j = s.header; j <= s.bodyEnd; j++) deleted.add(j);
      if (!record || recordUsed || lines[s.header]?.text !== codec.lift(record.header)) return;
      recordUsed = true;
      let prev = s.header - 1;
      if (record.blankLineBefore && lines[prev]?.text === '' && lines[prev]?.eol === record.newline && !deleted.has(prev)) {
        deleted.add(prev);
        prev -= 1;
      }
      if (record.terminatedPreviousLine && prev >= 0) stripEolCandidates.push({ prev, eol: record.newline });
    });
  }
  if (deleted.size === 0) return { text: undefined };

  const out: Line[] = [];
  lines.forEach((line, i) => {
    if (deleted.has(i)) return;
    // A separator line terminator added by the write goes again when the section it introduced was the
    // end of the file (everything after the line is being removed).
    const strip = stripEolCandidates.find((c) => c.prev === i && line.eol === c.eol);
    if (strip && lines.every((_, j) => j <= i || deleted.has(j))) out.push({ text: line.text, eol: '' });
    else out.push(line);
  });
  const expected = parsed.sections.filter((_, i) => !removedSections.has(i)).map((s) => s.name);
  if (!sameList(sectionNames(out), expected)) throw unsafeEdit(state, 'remove AWS profiles from');
  return { text: joinLines(out) };
}

function conflictError(conflicts: readonly Conflict[]): UserError {
  const list = conflicts
    .map((c) => `profile '${c.profile}' in the ${FILE_LABEL[c.state.kind]} ${c.state.path} (line ${c.line})`)
    .join('; ');
  const many = conflicts.length > 1;
  return new UserError(
    `Refusing to replace existing AWS ${many ? 'profiles' : 'profile'}: ${list}. ` +
      `Choose another profile name, or set the input overwrite-profiles: true to replace ${many ? 'them' : 'it'}. Nothing was written.`,
  );
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
async function underLocks<T>(
  files: readonly string[],
  opts: LockOptions | undefined,
  createdDirs: string[] | undefined,
  fn: () => Promise<T>,
): Promise<T> {
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

/**
 * Write `entries` as named profiles. Refuses (writing nothing) when a profile already exists in
 * either file, unless `opts.overwrite`.
 */
export async function writeProfiles(
  paths: ProfileFilePaths,
  entries: readonly ProfileEntry[],
  opts: WriteOptions,
): Promise<WrittenProfiles> {
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
  if (entries.length === 0) return result;

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
  return result;
}

/**
 * Remove the sections `writeProfiles` wrote (every section defining one of `written.profiles`, in
 * each file), the separators it added, and the files and directories it created when they are left
 * empty. Everything else in the files is kept byte-for-byte, including what others wrote meanwhile.
 * Missing files or directories are not an error.
 */
export async function removeProfiles(written: WrittenProfiles, opts: { readonly lock?: LockOptions } = {}): Promise<void> {
  if (written.profiles.length > 0) {
    const targets: [string, IniFileKind][] = [
      [resolve(written.credentialsFile), 'credentials'],
      [resolve(written.configFile), 'config'],
    ];
    const created = new Set(written.createdFiles.map((f) => resolve(f)));
    for (let attempt = 0; ; attempt++) {
      const present: [string, IniFileKind][] = [];
      for (const t of targets) if (await checkDir(dirname(t[0]))) present.push(t);
      if (present.length === 0) break;
      try {
        await underLocks(
          present.map(([p]) => p),
          opts.lock,
          undefined,
          async () => {
            const changes: FileChange[] = [];
            for (const [path, kind] of present) {
              const state = await readState(path, kind);
              if (state.original === undefined) continue;
              const plan = planRemove(state, written.profiles, written.sections ?? []);
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
        if (e instanceof DirectoryGone) throw new UserError(`Cannot remove AWS profiles: the directory of ${written.credentialsFile} or ${written.configFile} keeps disappearing.`);
        throw e;
      }
    }
  }
  await removeEmptyDirs(written.createdDirs);
}
