/**
 * Hostile text for the output-sink tests, and the judge that reads a step's output as the runner
 * does and lists every way that text got through: a workflow command the action did not mean to
 * give, a control/line-break/bidi character on a line, raw Markdown or HTML in the summary.
 * Injected commands carry the marker PWNED in their data, so a command the action issued that only
 * quotes the payload (an `::error::` naming the bad input) is told apart from one the payload started.
 */
import fc from 'fast-check';
import type { StepResult } from './harness.js';

export const MARKER = 'PWNED';

/** Workflow commands (both syntaxes), terminal escapes and bidi tricks, each carrying the marker. */
export const INJECTIONS: readonly string[] = [
  `::warning file=README.md,line=1::${MARKER}`,
  `::error::${MARKER}`,
  `::notice title=x::${MARKER}`,
  `::add-mask::${MARKER}`,
  `::stop-commands::${MARKER}`,
  `::save-state name=cleanup::${MARKER}`,
  `::set-output name=aws-account-id::${MARKER}`,
  `::set-env name=BASH_ENV::${MARKER}`,
  `::add-path::/tmp/${MARKER}`,
  `::group::${MARKER}`,
  `::debug::${MARKER}`,
  `  \t::warning::${MARKER}`,
  `##[warning]${MARKER}`,
  `##[add-mask]${MARKER}`,
  `##[error file=a.txt;line=1]${MARKER}`,
  `%0A::warning::${MARKER}`,
  `%0D%0A::error::${MARKER}`,
  `\u001b]8;;https://evil.example/\u001b\\${MARKER}\u001b]8;;\u001b\\`,
  `\u001b[2J\u001b[1;31m${MARKER}\u001b[0m`,
  `\u009b31m${MARKER}`,
  `\u202e${MARKER}\u202c`,
  `\u2066${MARKER}\u2069 \u200e\u200f\u061c`,
  `[${MARKER}](https://evil.example/) <img src=x onerror=alert(1)> \`x\` | *b* $m$`,
];

/** Every way a value can end a line for .NET's ReadLine, and separators that look like one. */
export const BREAKS: readonly string[] = ['\n', '\r', '\r\n', '\n\r', '\u2028', '\u2029', '\u0085', '\u000b', '\u000c'];

/** One hostile value: some text, a line break, an injection, maybe more of both; now and then very long. */
export const hostilePayload: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('', 'x', 'dev', ' '),
    fc.array(fc.tuple(fc.constantFrom(...BREAKS), fc.constantFrom(...INJECTIONS)), { minLength: 1, maxLength: 3 }),
    fc.constantFrom('', 'tail', '\r', '\n'),
    fc.constantFrom(0, 0, 0, 5000),
  )
  .map(([head, parts, tail, pad]) => head + parts.map(([b, i]) => b + i).join('') + tail + 'y'.repeat(pad));

/** Characters no printed line may hold (the sink escapes them): controls, separators, format and bidi characters. */
export const UNSAFE_CHAR = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** Commands the action itself gives; anything else on its output was started by data. */
const OWN_COMMANDS = new Set(['add-mask', 'error', 'warning']);

/** Problems with what the runner would see of one step; [] when nothing got through. */
export function outputProblems(r: StepResult, opts: { masks?: readonly string[] } = {}): string[] {
  const problems: string[] = [];
  // The sink ends its lines with LF only: a CR anywhere means some text ended a line by itself.
  for (const [name, text] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
  ] as const)
    if (text.includes('\r')) problems.push(`${name} holds a CR`);
  for (const line of r.lines) {
    const where = `${line.stream} line ${line.lineNo}`;
    // An add-mask line carries the secret as it is (the runner never shows it); every other line is shown.
    const bad = line.command?.name === 'add-mask' ? undefined : [...line.text].find((c) => UNSAFE_CHAR.test(c));
    if (bad !== undefined) problems.push(`${where} holds U+${bad.codePointAt(0)!.toString(16).padStart(4, '0')}`);
    if (line.text.includes(`::${MARKER}::`)) problems.push(`${where} ends a stop-commands block: ${line.text.slice(0, 120)}`);
    const cmd = line.command;
    if (!cmd) continue;
    if (!OWN_COMMANDS.has(cmd.name)) problems.push(`${where}: command ${cmd.name} given: ${line.text.slice(0, 120)}`);
    if (!line.text.startsWith('::')) problems.push(`${where}: a command the sink did not start at column 0: ${line.text.slice(0, 120)}`);
    if (cmd.data.trimStart().startsWith(MARKER) || cmd.data.startsWith(`/tmp/${MARKER}`))
      problems.push(`${where}: injected ${cmd.name}: ${line.text.slice(0, 120)}`);
    if (cmd.name === 'add-mask') {
      if (opts.masks && !opts.masks.includes(cmd.data) && cmd.data.includes(MARKER)) problems.push(`${where}: mask of data`);
      continue;
    }
    for (const v of [cmd.data, ...Object.values(cmd.properties)]) {
      if (UNSAFE_CHAR.test(v)) problems.push(`${where}: ${cmd.name} text holds a control character after unescaping`);
    }
  }
  if (r.errors.length > 1) problems.push(`${r.errors.length} errors`);
  for (const [name, text] of [
    ['summary', r.summary],
    ['plan output', r.outputs['plan'] ?? ''],
  ] as const) {
    problems.push(...markdownProblems(text).map((p) => `${name}: ${p}`));
  }
  return problems;
}

/**
 * Raw Markdown/HTML in text the action wrote as Markdown: its own text has no `<`, `[` or backtick,
 * so any such character not escaped (entity or backslash) came from data.
 */
export function markdownProblems(markdown: string): string[] {
  const problems: string[] = [];
  // A Mermaid block is code, not Markdown: its brackets and arrows are structure, and its labels are
  // quoted with every other character as an entity code. Checked here for what a label could smuggle.
  const diagrams = [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  for (const d of diagrams) {
    const text = d.replace(/<br\/>/g, '').replace(/-->|-\.->|==>/g, '');
    if (/[<>`]/.test(text)) problems.push('diagram: raw <, > or backtick');
  }
  const md = markdown.replace(/^```mermaid\n[\s\S]*?^```$/gm, '');
  if (UNSAFE_CHAR.test(md.replace(/\n/g, ''))) problems.push('a control character');
  if (md.includes('<')) problems.push('raw <');
  // An unescaped [ ] or ` — one preceded by an even number of backslashes.
  if (/(^|[^\\])(\\\\)*[[\]`]/m.test(md)) problems.push('unescaped [, ] or `');
  return problems;
}
