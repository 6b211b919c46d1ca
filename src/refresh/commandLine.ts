/**
 * The refresh profile's `credential_process` line: one string that every reader of the config file
 * must turn back into the same argv. Pure: the platform is a parameter, so the Windows rules are
 * tested on any machine.
 *
 * Who reads the line, and how (checked in their sources):
 * - botocore (the AWS CLI v2, boto3): `compat_shell_split` — `shlex.split` on POSIX; on Windows the
 *   MS C runtime rules (only double quotes group, a backslash is literal unless a run of them ends at a
 *   double quote), then it starts the program itself without a shell.
 * - the AWS SDK for JavaScript v3: `child_process.exec(line)`: `/bin/sh -c` on POSIX, on Windows
 *   `cmd.exe /d /s /c "line"`; cmd.exe expands `%NAME%` even inside double quotes and treats
 *   `& | < > ( ) ^` as syntax outside them, then hands the rest of the line to the program, whose C
 *   runtime splits it as botocore does.
 * - the AWS SDK for Go v2: its INI reader cuts the value at the first `#` or `;`, drops one pair of
 *   quotes around the whole value and turns `\n`, `\"`, `\'` into a line break, `"` and `'`; then it
 *   runs `sh -c line` on POSIX and `cmd.exe /C line` on Windows, where Go's own argument escaping turns
 *   every `"` of the line into `\"`, which cmd.exe does not undo (aws-sdk-go-v2 issue 3208). So on
 *   Windows the Go SDK can run the line only when nothing in it needs quotes.
 */
import { UserError } from '../base/errors.js';

/** The platforms whose rules differ: win32, and everything else (POSIX). */
export type CommandPlatform = NodeJS.Platform;

/** One argument of the line and what it is, for the error that refuses it. */
export interface CommandArg {
  readonly value: string;
  readonly what: string;
}

/** The line for `args` (program first) as the given platform's readers split it. */
export function composeCommandLine(args: readonly CommandArg[], platform: CommandPlatform): string {
  const line = args.map((arg, i) => (platform === 'win32' ? windowsQuote(arg, i === 0) : posixQuote(arg.value))).join(' ');
  const last = args[args.length - 1];
  // The Go SDK drops a pair of quotes around a whole value: every other quote then pairs up the other
  // way for cmd.exe, and what the last argument quoted (`&`, `|`…) would start a second command.
  if (platform === 'win32' && last && args.length > 1 && line.startsWith('"') && line.endsWith('"')) {
    throw new UserError(
      `Cannot write a refreshing profile: the ${last.what} ${JSON.stringify(last.value)} needs quotes on Windows, and so does the ${args[0]!.what}; the AWS SDK for Go drops quotes around a whole config value, which would leave it unquoted for cmd.exe; use a ${last.what} without ${WINDOWS_NEEDS_QUOTES.source} or a leading '#'/';'`,
    );
  }
  return line;
}

/**
 * POSIX: single quotes, which both `sh` and shlex read literally; a `'` inside is closed, written as
 * `"'"`, and reopened. Plain words stay bare so the usual line is easy to read.
 */
function posixQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'"'"'`)}'`;
}

/**
 * Characters no quoting carries through every Windows reader: `"` (not allowed in Windows paths;
 * cmd.exe and the Go SDK both mangle it), `%` (cmd.exe expands `%NAME%` inside quotes too), `!`
 * (expanded the same way when delayed expansion is on for cmd.exe on that machine), line breaks and
 * other control characters (they end the INI line or the command), and an empty argument.
 */
const WINDOWS_UNSAFE = /["%!\p{C}]/u;

/**
 * Outside double quotes these are cmd.exe syntax (`& | < > ( ) ^`) or separators (space, tab): such an
 * argument is quoted, inside which cmd.exe reads them literally. Quoting is kept to what needs it, as
 * the Go SDK cannot run a line with quotes on Windows.
 */
const WINDOWS_NEEDS_QUOTES = /[ \t&|<>()^]/;
/** cmd.exe also ends an unquoted program name at `, ; =` and `/`. */
const WINDOWS_PROGRAM_NEEDS_QUOTES = /[,;=/]/;
/** The JS SDK's INI reader starts a comment at `#` or `;` after a space: an argument starting so is quoted. */
const INI_COMMENT_START = /^[#;]/;

function windowsQuote(arg: CommandArg, program: boolean): string {
  const problem = windowsProblem(arg.value);
  if (problem) {
    throw new UserError(
      `Cannot write a refreshing profile: the ${arg.what} ${JSON.stringify(arg.value)} ${problem}, so no credential_process line reads the same in cmd.exe, botocore and the AWS SDKs on Windows; use a path without it`,
    );
  }
  const text = goSafeBackslashN(arg.value);
  const quote = WINDOWS_NEEDS_QUOTES.test(text) || INI_COMMENT_START.test(text) || (program && WINDOWS_PROGRAM_NEEDS_QUOTES.test(text));
  // Inside quotes a backslash is literal except in a run that ends at a double quote: only the
  // trailing run (before the closing quote) is doubled.
  return quote ? `"${text.replace(/(\\+)$/, '$1$1')}"` : text;
}

/** Why `value` cannot be written on Windows (a phrase), or undefined when it can. */
export function windowsProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  const unsafe = WINDOWS_UNSAFE.exec(value);
  if (unsafe) return /\p{C}/u.test(unsafe[0]) ? 'contains a control character' : `contains '${unsafe[0]}'`;
  // The JS SDK's INI reader ends a value at whitespace followed by `#` or `;`, quoted or not.
  if (/\s[#;]/.test(value)) return "has '#' or ';' after a space (the start of a comment in a config file)";
  // The Go SDK reads `\'` in a config value as `'`: a path component starting with a quote would lose
  // its backslash there.
  if (value.includes("\\'")) return `has a path component starting with "'", which the AWS SDK for Go reads as an escape`;
  return undefined;
}

/**
 * The Go SDK turns `\n` in any config value into a line break, and `C:\hostedtoolcache\windows\node\…`
 * (the runner's node) has two. Windows file names are case-insensitive, so `\node` is written `\Node`:
 * the same file for every reader, and no `\n` for the Go SDK to rewrite.
 */
function goSafeBackslashN(value: string): string {
  return value.replace(/\\n/g, '\\N');
}
