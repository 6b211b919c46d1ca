/**
 * An INI file as lines that give the bytes back exactly: each line's text and its own terminator, so a
 * file can be edited a section at a time and every byte outside the edited spans kept as it was.
 * What each line *is* (header, option, comment, continuation…) is decided by configparser.ts
 * (`scanLines`); this module only holds the lines and the sections' spans. Pure.
 *
 * Span of a section (what an in-place edit replaces or removes): from its header line through its
 * last *significant* line (an option, a continuation, or a line configparser reports as an error)
 * before the next header. Comment and blank lines after that last significant line are left in place:
 * they usually introduce the next section (or close the file), so they belong to what follows.
 */

export interface Line {
  /** The line's text without its terminator. */
  readonly text: string;
  /** `\n`, `\r\n`, `\r`, or '' for a last line without one. */
  readonly eol: string;
}

/** Lines end at `\n`, `\r\n` or `\r` (Python's universal newlines); a final terminator opens no line. */
export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /\r\n|\r|\n/g;
  let start = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
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

/** What configparser makes of a line; `preamble` is a non-blank line before the first header. */
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

/** The sections' spans, from each line's kind (and, on header lines, the section name). */
export function sectionSpans(scanned: readonly { kind: LineKind; name?: string }[]): Section[] {
  const headers: { name: string; index: number }[] = [];
  scanned.forEach((line, index) => {
    if (line.kind === 'header') headers.push({ name: line.name ?? '', index });
  });
  return headers.map((h, n) => {
    const end = headers[n + 1]?.index ?? scanned.length;
    let bodyEnd = h.index;
    for (let j = h.index + 1; j < end; j++) {
      const k = scanned[j]?.kind;
      if (k !== 'blank' && k !== 'comment') bodyEnd = j;
    }
    return { name: h.name, header: h.index, bodyEnd, end };
  });
}
