/**
 * Parsers for the runner's file commands (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE, GITHUB_PATH).
 *
 * Mirrors actions/runner `FileCommandManager` semantics:
 *  - the file is read line by line (`\n` or `\r\n` line endings), empty lines are skipped;
 *  - `NAME=VALUE` when the first `=` comes before any `<<` (value is the rest of the line, may contain `=`);
 *  - `NAME<<DELIM` heredoc otherwise: the value is the raw text between the header line and the first line
 *    that equals DELIM exactly, without the final line break (inner line breaks are kept as written);
 *  - a missing delimiter, an empty name or a line that is neither form is an error (the runner fails the step);
 *  - a later entry for the same name wins.
 */

export class FileCommandFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileCommandFormatError';
  }
}

export interface KeyValueEntry {
  name: string;
  value: string;
  form: 'line' | 'heredoc';
}

interface LineRead {
  line: string;
  /** the line break that ended the line; '' when the text ended without one */
  newline: string;
}

function readLine(text: string, pos: { index: number }): LineRead | null {
  if (pos.index >= text.length) return null;
  const start = pos.index;
  const lf = text.indexOf('\n', start);
  if (lf < 0) {
    pos.index = text.length;
    return { line: text.slice(start), newline: '' };
  }
  pos.index = lf + 1;
  if (lf > start && text[lf - 1] === '\r') return { line: text.slice(start, lf - 1), newline: '\r\n' };
  return { line: text.slice(start, lf), newline: '\n' };
}

/** Every entry in file order (duplicates kept). Throws FileCommandFormatError on malformed content. */
export function parseKeyValueEntries(text: string): KeyValueEntry[] {
  const entries: KeyValueEntry[] = [];
  const pos = { index: 0 };
  for (let read = readLine(text, pos); read !== null; read = readLine(text, pos)) {
    const { line } = read;
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      const name = line.slice(0, eq);
      if (name === '') throw new FileCommandFormatError(`Invalid format '${line}'. Name must not be empty`);
      entries.push({ name, value: line.slice(eq + 1), form: 'line' });
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (name === '' || delimiter === '') {
        throw new FileCommandFormatError(`Invalid format '${line}'. Name must not be empty and delimiter must not be empty`);
      }
      const start = pos.index;
      let end = start;
      for (;;) {
        const next = readLine(text, pos);
        if (next === null) throw new FileCommandFormatError(`Invalid value. Matching delimiter not found '${delimiter}'`);
        if (next.line === delimiter) break;
        if (next.newline === '') throw new FileCommandFormatError('Invalid value. EOF marker missing new line.');
        end = pos.index - next.newline.length;
      }
      entries.push({ name, value: end > start ? text.slice(start, end) : '', form: 'heredoc' });
    } else {
      throw new FileCommandFormatError(`Invalid format '${line}'`);
    }
  }
  return entries;
}

/** NAME → VALUE with the last entry for a name winning (what the runner applies). */
export function parseKeyValueFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name, value } of parseKeyValueEntries(text)) out[name] = value;
  return out;
}

/** GITHUB_PATH: one directory per non-empty line, in file order. */
export function parsePathFile(text: string): string[] {
  const out: string[] = [];
  const pos = { index: 0 };
  for (let read = readLine(text, pos); read !== null; read = readLine(text, pos)) {
    if (read.line !== '') out.push(read.line);
  }
  return out;
}

/** Env names the runner refuses to take from GITHUB_ENV (it logs an error and skips them). */
export const BLOCKED_ENV_NAMES: ReadonlySet<string> = new Set(['NODE_OPTIONS']);
