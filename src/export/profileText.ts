/**
 * The text side of writing and removing profiles: a file's bytes decoded so they can be given back
 * exactly, the sections to write, where they go, and what removal takes out or puts back. Pure apart
 * from `readState`. Each written section is recorded with a SHA-256 of its exact bytes, so removal
 * takes out only a section that is still exactly what was written (another job sharing the HOME may
 * have replaced it), and, after `overwrite`, puts back the section it replaced.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { UserError } from '../base/errors.js';
import { parseIni } from '../config/configparser.js';
import { detectNewline, joinLines, type Line, type ParsedIni, splitLines } from '../config/iniLines.js';
import { pyStrip } from '../config/python.js';
import { headerFor, type IniFileKind, profileOfSection } from '../config/sections.js';
import { isProcess, type ProfileEntry } from './profilePaths.js';
import { checkDir, readRegularFile } from '../base/safeFiles.js';

export const FILE_LABEL: Record<IniFileKind, string> = {
  credentials: 'shared credentials file',
  config: 'shared config file',
};

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
  /** SHA-256 (hex) of the section's lines as written (bytes, joined by LF, without line ends). */
  readonly sha256: string;
  /** With overwrite: the bytes of the section(s) this one replaced (base64), put back by removal. */
  readonly replaced?: string;
}

/**
 * Decoding that gives the bytes back exactly: UTF-8 when the file is valid UTF-8 (a BOM is kept as a
 * character), else Latin-1, where text this module adds is carried as its UTF-8 bytes.
 */
export interface Codec {
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

export interface FileState {
  readonly path: string;
  readonly kind: IniFileKind;
  /** undefined: the file does not exist. */
  readonly original: Buffer | undefined;
  readonly codec: Codec;
  readonly lines: Line[];
  /** The lines as configparser reads them (parsed once: the files are locked meanwhile). */
  readonly parsed: ParsedIni;
}

export async function readState(path: string, kind: IniFileKind): Promise<FileState> {
  await checkDir(dirname(path));
  const original = await readRegularFile(path);
  const buf = original ?? Buffer.alloc(0);
  const codec = codecFor(buf);
  const lines = splitLines(codec.decode(buf));
  const parsed = parseIni(lines);
  checkIni(path, parsed);
  return { path, kind, original, codec, lines, parsed };
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

export function unsafeEdit(state: FileState, doing: string): UserError {
  return new UserError(
    `Cannot safely ${doing} ${state.path}: the edit would change how the sections around it are read ` +
      `(an indented section header follows it). Remove the indentation before that header.`,
  );
}

export interface Conflict {
  readonly profile: string;
  readonly state: FileState;
  readonly line: number;
}

export interface WritePlan {
  readonly conflicts: Conflict[];
  readonly text: string;
  readonly sections: WrittenSection[];
}

/**
 * A file that is not an AWS INI file (text before the first section, a line that is neither an option,
 * a header nor a comment, a NUL byte) is refused, never appended to: botocore could not read it either,
 * and it is likely not the file the user meant (a copy of /etc/passwd, a log).
 */
function checkIni(path: string, { lines, kinds }: ParsedIni): void {
  for (const [i, kind] of kinds.entries()) {
    const nul = lines[i]?.text.includes('\0');
    if (kind !== 'preamble' && kind !== 'invalid' && !nul) continue;
    const why = nul
      ? 'a NUL byte'
      : kind === 'preamble'
        ? 'text before the first [section] header'
        : 'neither "name = value", a [section] header nor a comment';
    throw new UserError(
      `Refusing to write AWS profiles to ${path}: line ${i + 1} is not valid in an AWS INI file (${why}). Fix the file or choose another one.`,
    );
  }
}

/** The SHA-256 of lines of text as the file holds them (encoded, joined by LF). */
export function sectionHash(codec: Codec, texts: readonly string[]): string {
  return createHash('sha256')
    .update(codec.encode(texts.join('\n')))
    .digest('hex');
}

/** Lines `from..to` of `lines`, every line but the file's last terminated. */
function span(lines: readonly Line[], from: number, to: number, nl: string): Line[] {
  return lines.slice(from, to + 1).map((l) => (l.eol ? l : { text: l.text, eol: nl }));
}

/**
 * Add a section at the end of `out`: the last line gets a terminator if it has none, and a blank line
 * separates the section from text before it. Says which of the two it did, so removal can undo them.
 */
function appendBlock(out: Line[], block: readonly string[], nl: string): Pick<WrittenSection, 'blankLineBefore' | 'terminatedPreviousLine'> {
  let terminatedPreviousLine = false;
  let blankLineBefore = false;
  const last = out[out.length - 1];
  if (last) {
    if (last.eol === '') {
      out[out.length - 1] = { text: last.text, eol: nl };
      terminatedPreviousLine = true;
    }
    if (pyStrip(last.text) !== '') {
      out.push({ text: '', eol: nl });
      blankLineBefore = true;
    }
  }
  for (const text of block) out.push({ text, eol: nl });
  return { blankLineBefore, terminatedPreviousLine };
}

export function planWrite(state: FileState, entries: readonly ProfileEntry[], overwrite: boolean): WritePlan {
  const { codec, lines, kind, parsed } = state;
  const nl = detectNewline(lines);
  const conflicts: Conflict[] = [];
  /** Per original line index: lines to emit instead of the span starting there, and where it ends. */
  const replaceAt = new Map<number, { until: number; with: Line[] }>();
  const appended: ProfileEntry[] = [];
  const expectedNames: (string | undefined)[] = parsed.sections.map((s) => s.name);
  const written: WrittenSection[] = [];
  const record = (entry: ProfileEntry, block: string[], extra: Partial<WrittenSection>): void => {
    written.push({
      file: kind,
      profile: entry.name,
      header: headerFor(entry.name, kind),
      newline: nl,
      blankLineBefore: false,
      terminatedPreviousLine: false,
      sha256: sectionHash(codec, block),
      ...extra,
    });
  };

  for (const entry of entries) {
    const block = blockFor(entry, kind).map((t) => codec.lift(t));
    const matches = parsed.sections.map((s, i) => ({ s, i })).filter(({ s }) => profileOfSection(s.name, kind) === codec.lift(entry.name));
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
    // What the post step puts back: the replaced section and any further ones defining the profile.
    const old = matches.flatMap(({ s }) => span(lines, s.header, s.bodyEnd, nl));
    record(entry, block, { replaced: codec.encode(joinLines(old)).toString('base64') });
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
    const block = blockFor(entry, kind).map((t) => codec.lift(t));
    const around = appendBlock(out, block, nl);
    expectedNames.push(codec.lift(headerFor(entry.name, kind).slice(1, -1)));
    record(entry, block, around);
  }

  // (When the write is refused anyway, the conflict is what to report.)
  if (conflicts.length === 0 || overwrite) {
    const expected = expectedNames.filter((n): n is string => n !== undefined);
    if (!sameList(sectionNames(out), expected)) throw unsafeEdit(state, 'write AWS profiles to');
  }
  return { conflicts, text: joinLines(out), sections: written };
}

export interface RemovePlan {
  /** undefined: nothing to change. */
  readonly text: string | undefined;
  /** Profiles whose section was changed since it was written (or is gone): left as they are. */
  readonly left: string[];
}

/**
 * Take out (or, after an overwrite, put back what was there instead of) each section of `records` for
 * this file whose bytes are still exactly those written; sections that changed are left, and named.
 */
export function planRemove(state: FileState, records: readonly WrittenSection[]): RemovePlan {
  const { codec, lines, kind, parsed } = state;
  const deleted = new Set<number>();
  const restoreAt = new Map<number, Line[]>();
  const used = new Set<number>();
  const left: string[] = [];
  const stripEolCandidates: { prev: number; eol: string }[] = [];

  for (const record of records) {
    if (record.file !== kind) continue;
    const found = parsed.sections.findIndex(
      (s, i) =>
        !used.has(i) &&
        profileOfSection(s.name, kind) === codec.lift(record.profile) &&
        sectionHash(
          codec,
          lines.slice(s.header, s.bodyEnd + 1).map((l) => l.text),
        ) === record.sha256,
    );
    const s = parsed.sections[found];
    if (!s) {
      left.push(record.profile);
      continue;
    }
    used.add(found);
    for (let j = s.header; j <= s.bodyEnd; j++) deleted.add(j);
    if (record.replaced !== undefined) {
      const back = splitLines(codec.decode(Buffer.from(record.replaced, 'base64')));
      const lastEol = lines[s.bodyEnd]?.eol ?? '';
      restoreAt.set(
        s.header,
        back.map((l, j) => (j === back.length - 1 ? { text: l.text, eol: lastEol } : l)),
      );
      continue;
    }
    let prev = s.header - 1;
    if (record.blankLineBefore && lines[prev]?.text === '' && lines[prev]?.eol === record.newline && !deleted.has(prev)) {
      deleted.add(prev);
      prev -= 1;
    }
    if (record.terminatedPreviousLine && prev >= 0) stripEolCandidates.push({ prev, eol: record.newline });
  }
  if (deleted.size === 0) return { text: undefined, left };

  const out: Line[] = [];
  lines.forEach((line, i) => {
    const back = restoreAt.get(i);
    if (back) out.push(...back);
    if (deleted.has(i)) return;
    // A separator line terminator added by the write goes again when the section it introduced was the
    // end of the file (everything after the line is being removed).
    const strip = stripEolCandidates.find((c) => c.prev === i && line.eol === c.eol);
    if (strip && lines.every((_, j) => j <= i || deleted.has(j))) out.push({ text: line.text, eol: '' });
    else out.push(line);
  });
  const expected = parsed.sections.flatMap((sec, i) => {
    if (!used.has(i)) return [sec.name];
    const back = restoreAt.get(sec.header);
    return back ? sectionNames(back) : [];
  });
  if (!sameList(sectionNames(out), expected)) throw unsafeEdit(state, 'remove AWS profiles from');
  return { text: joinLines(out), left };
}

export function conflictError(conflicts: readonly Conflict[]): UserError {
  const list = conflicts.map((c) => `profile '${c.profile}' in the ${FILE_LABEL[c.state.kind]} ${c.state.path} (line ${c.line})`).join('; ');
  const many = conflicts.length > 1;
  return new UserError(
    `Refusing to replace existing AWS ${many ? 'profiles' : 'profile'}: ${list}. ` +
      `Choose another profile name, or set the input overwrite-profiles: true to replace ${many ? 'them' : 'it'}. Nothing was written.`,
  );
}
