/**
 * Text-level view of an INI file as botocore reads it (Python's `configparser.RawConfigParser` with
 * its defaults), so sections can be found, replaced and removed without re-serializing the file:
 * every byte outside the edited spans is kept as it was.
 *
 * What is emulated (Python 3 `RawConfigParser._read`, botocore `configloader`):
 * - lines end at `\n`, `\r\n` or `\r` (universal newlines);
 * - a line whose stripped text starts with `#` or `;` is a comment, an empty stripped line is blank;
 *   neither changes the parser state (inline comments are not recognized by RawConfigParser);
 * - a line indented deeper than the current option's line is a continuation of that option's value,
 *   never a section header;
 * - otherwise a stripped line matching `\[(.+)\]` (greedy, only anchored at the start) is a section
 *   header whose name is the captured text, not stripped;
 * - `DEFAULT` is configparser's defaults section, never a profile;
 * - in the config file a section whose name starts with `profile` and splits (shlex, POSIX) into
 *   exactly two words names the profile in its second word; `default` is the default profile too.
 *   In the credentials file the section name is the profile name as it is.
 *
 * Span of a section (what replace and remove touch): from its header line through its last
 * *significant* line (an option, a continuation, or a line configparser reports as an error) before
 * the next header. Comment and blank lines after that last significant line are left in place: they
 * usually introduce the next section (or close the file), so they belong to what follows.
 */

import { pyStrip, shlexSplit } from '../config/python.js';

/** Leading whitespace as Python's `str.isspace()` sees it (indentation makes a continuation line). */
function leadingSpace(text: string): number {
  return text.length - text.replace(/^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/, '').length;
}

export interface Line {
  /** The line's text without its terminator. */
  readonly text: string;
  /** `\n`, `\r\n`, `\r`, or '' for a last line without one. */
  readonly eol: string;
}

export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /\r\n|\r|\n/g;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    lines.push({ text: text.slice(start, m.index), eol: m[0] });
    start = m.index + m[0].length;
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: '' });
  return lines;
}

export function joinLines(lines: readonly Line[]): string {
  let out = '';
  for (const l of lines) out += l.text + l.eol;
  return out;
}

/** The file's newline convention: its first line terminator, `\n` when it has none. */
export function detectNewline(lines: readonly Line[]): string {
  for (const l of lines) if (l.eol) return l.eol;
  return '\n';
}

export type LineKind = 'blank' | 'comment' | 'header' | 'option' | 'continuation' | 'invalid' | 'preamble';

export interface Section {
  /** Section name as configparser reports it (the raw text between the brackets). */
  readonly name: string;
  /** Index of the header line. */
  readonly header: number;
  /** Index of the last significant line of the section (>= header). */
  readonly bodyEnd: number;
  /** Index of the next header line, or the number of lines. */
  readonly end: number;
}

export interface ParsedIni {
  readonly lines: readonly Line[];
  readonly kinds: readonly LineKind[];
  readonly sections: readonly Section[];
}

const SECTION_RE = /^\[([\s\S]+)\]/;

/** Classify every line as configparser would and find the sections' spans. */
export function parseIni(lines: readonly Line[]): ParsedIni {
  const kinds: LineKind[] = [];
  const headers: { name: string; index: number }[] = [];
  let inSection = false;
  let optname = false; // whether the current option name is truthy
  let indentLevel = 0;
  lines.forEach((line, i) => {
    const stripped = pyStrip(line.text);
    if (stripped.startsWith('#') || stripped.startsWith(';')) {
      kinds.push('comment');
      return;
    }
    if (!stripped) {
      kinds.push('blank');
      return;
    }
    const indent = leadingSpace(line.text);
    if (inSection && optname && indent > indentLevel) {
      kinds.push('continuation');
      return;
    }
    indentLevel = indent;
    const m = SECTION_RE.exec(stripped);
    if (m) {
      kinds.push('header');
      headers.push({ name: m[1] ?? '', index: i });
      inSection = true;
      optname = false;
      return;
    }
    if (!inSection) {
      // configparser raises MissingSectionHeaderError here; the bytes are kept as they are.
      kinds.push('preamble');
      return;
    }
    const delim = /[=:]/.exec(stripped);
    if (delim) {
      // OPTCRE: option is everything before the first delimiter; empty when the line starts with one.
      optname = delim.index > 0;
      kinds.push('option');
    } else {
      // A parsing error configparser collects and raises at the end; the option name is unchanged.
      kinds.push('invalid');
    }
  });
  const sections: Section[] = headers.map((h, n) => {
    const end = headers[n + 1]?.index ?? lines.length;
    let bodyEnd = h.index;
    for (let j = h.index + 1; j < end; j++) {
      const k = kinds[j];
      if (k !== 'blank' && k !== 'comment') bodyEnd = j;
    }
    return { name: h.name, header: h.index, bodyEnd, end };
  });
  return { lines, kinds, sections };
}

export type IniFileKind = 'credentials' | 'config';

/** The profile a section defines, as botocore reads the file; undefined when it defines none. */
export function profileOfSection(sectionName: string, file: IniFileKind): string | undefined {
  if (sectionName === 'DEFAULT') return undefined; // configparser's defaults section
  if (file === 'credentials') return sectionName;
  if (sectionName.startsWith('profile')) {
    const parts = shlexSplit(sectionName);
    return parts?.length === 2 ? parts[1] : undefined;
  }
  if (sectionName === 'default') return 'default';
  return undefined;
}

/** The section header line (without terminator) this module writes for a profile. */
export function headerFor(profile: string, file: IniFileKind): string {
  if (file === 'credentials' || profile === 'default') return `[${profile}]`;
  return `[profile ${profile}]`;
}
