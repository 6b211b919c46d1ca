/**
 * Text the action did not write (config values, inputs, paths, names, STS replies) made inert for a
 * log line: it can neither end the line, start a workflow command, nor drive a terminal or hide and
 * reorder what a reader sees. Pure; runner.ts is the only printer and applies it to every line.
 */

/**
 * Replaced by a visible `\u{…}` escape:
 * - Cc: C0 controls (CR, LF, ESC, BEL…), DEL, C1 controls (U+0085 NEL, U+009B CSI…);
 * - Zl, Zp: U+2028, U+2029 (line and paragraph separators);
 * - Cf: format characters — bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069),
 *   marks (U+200E/200F, U+061C), zero-width characters, U+FEFF and the invisible tag characters;
 * - Cs: a lone surrogate (it would reach the log as U+FFFD, hiding what was there).
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** What .NET's `String.TrimStart()` skips before the runner looks for `::` (Char.IsWhiteSpace). */
const LEADING_SPACE = /^[\s\u0085\u180e]*/u;

/** The runner's command syntaxes: `::name::data` and the legacy `##[name]data`. */
const COMMAND_START = /^(::|##\[)/;

export function escapeChar(ch: string): string {
  return `\\u{${ch.codePointAt(0)!.toString(16)}}`;
}

/** `value` with every line terminator, control, format and bidi character replaced by `\u{hex}`. */
export function inert(value: string): string {
  return value.replace(UNSAFE, escapeChar);
}

/**
 * One printable log line: `inert`, and a line that would read as a workflow command (after the
 * runner's TrimStart) has its first character escaped, so it is shown and never obeyed.
 */
export function inertLine(value: string): string {
  const text = inert(value);
  const lead = LEADING_SPACE.exec(text)![0].length;
  if (!COMMAND_START.test(text.slice(lead))) return text;
  return text.slice(0, lead) + escapeChar(text[lead]!) + text.slice(lead + 1);
}

/** The action's own multi-line text as log lines: split at its line breaks, each made an inert line. */
export function inertLines(block: string): string[] {
  return block.split(/\r\n|\r|\n/).map(inertLine);
}
