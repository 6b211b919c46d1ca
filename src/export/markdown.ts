/**
 * The one escaper for text placed in the job summary and the dry-run plan (Markdown that GitHub
 * renders as HTML, and that is also printed to the log). Every value the action did not write —
 * profile names, ARNs, session names, paths, error messages — goes through it, so it renders as the
 * literal text it is: no link, image, HTML element, emphasis, code span, math, heading or table cell
 * can come out of it, and no line break either.
 */
import { inert } from '../base/inert.js';

/**
 * - `& < >` become entities: no HTML element, entity or `<url>` autolink;
 * - `\` and the punctuation that opens Markdown constructs mid-line get a backslash: `[ ]` (links,
 *   images), `` ` `` (code), `* _ ~` (emphasis, strike-through), `$` (math), `#` (a heading's
 *   closing sequence), `|` (a table cell; GFM honours `\|` inside tables);
 * - line breaks, controls and bidi characters become visible `\u{…}` escapes first (`inert`).
 * Colons, slashes, dots and dashes stay as they are, so ARNs and paths remain readable in the log.
 */
export function mdText(value: string): string {
  return inert(value)
    .replace(/[\\`*_~[\]$#|]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
