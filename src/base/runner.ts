/**
 * The GitHub runner's documented step protocol: workflow commands on stdout, the post step's
 * STATE_* variables, and the GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files.
 * Inputs (INPUT_* variables) are read by settings/inputs.ts from the env it is handed.
 *
 * Why not @actions/core: it loads its HTTP client (undici, ~400 kB) for getIDToken even when no
 * token is asked for. That alone is twice the post step's size budget and a third of the main
 * step's start-up. The protocol itself is small and stable; this module follows the same formats
 * (heredoc with a random `ghadelimiter_` per value, the same %-escapes), and the harness tests
 * parse them as the runner does. The OIDC token is a plain GET (sources/githubOidc.ts), through
 * Node's own proxy support when a proxy is configured. @actions/core stays a dev dependency: a test
 * checks the OIDC stand-in against its getIDToken.
 */
import { appendFileSync, existsSync, writeSync } from 'node:fs';
import { EOL } from 'node:os';
import { AccountIdSet } from './accountIds.js';
import { UserError } from './errors.js';
import { inert, inertLine, inertLines } from './inert.js';

/**
 * Off the runner (the credential_process helper, whose stdout is read by an AWS SDK): workflow
 * commands have no reader, so masks are dropped, progress is not shown (some SDKs pass the helper's
 * stderr through to the user's terminal), and warnings and errors go to stderr as plain text.
 */
let detached: string | undefined;

/** `label` starts every line written to stderr from now on. */
export function detachFromRunner(label: string): void {
  detached = label;
}

export interface AnnotationProperties {
  readonly title?: string;
  readonly file?: string;
  readonly startLine?: number;
}

export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? '';
}

/**
 * The value itself is registered (only CR, LF and % escaped, as the runner unescapes them): a mask
 * must match the secret byte for byte. The runner never prints add-mask lines. The runner masks
 * line by line, so each line of a multi-line secret is registered as well.
 */
export function setSecret(value: string): void {
  if (detached !== undefined || value === '') return;
  writeOut(`::add-mask::${escapeData(value)}${EOL}`);
  for (const line of secretLines(value)) writeOut(`::add-mask::${escapeData(line)}${EOL}`);
}

/** The distinct non-blank lines of a secret that has line breaks (none for a one-line secret). */
export function secretLines(value: string): string[] {
  const lines = value.split(/\r\n|\r|\n/);
  return lines.length < 2 ? [] : [...new Set(lines.filter((l) => l.trim() !== ''))];
}

// ---- account IDs (mask-aws-account-id) ------------------------------------------------------------

/** An account ID in an ARN's fifth field, whatever the service: `arn:aws:iam::123456789012:role/x`. */
const ARN_ACCOUNT = /(arn:[^:\s]*:[^:\s]*:[^:\s]*:)(\d{12})(?=:)/g;
let hideAccounts = false;
/** The post step does not know the IDs main saw: every run of exactly 12 digits is treated as one. */
let hideBareIds = false;
const hiddenAccounts = new AccountIdSet();

/**
 * From now on every account ID in an ARN, and every ID given here, is masked (`::add-mask::`,
 * issued before the line that holds it) and replaced by `***` in whatever the action prints or
 * writes to the summary; `redactAccounts` does the same for text the action writes elsewhere.
 */
export function hideAccountIds(ids: Iterable<string> = [], opts: { anyTwelveDigits?: boolean } = {}): void {
  hideAccounts = true;
  if (opts.anyTwelveDigits) hideBareIds = true;
  for (const id of ids) hideAccount(id);
}

function hideAccount(id: string): void {
  if (hiddenAccounts.has(id) || id === '') return;
  hiddenAccounts.add(id);
  setSecret(id);
}

export function redactAccounts(text: string): string {
  if (!hideAccounts) return text;
  let out = text.replace(ARN_ACCOUNT, (_, prefix: string, id: string) => {
    hideAccount(id);
    return `${prefix}***`;
  });
  if (hideBareIds) out = out.replace(/(?<!\d)\d{12}(?!\d)/g, '***');
  // One pass over the text, not one per hidden ID: a 1 000-account fan-out hides 1 000 of them.
  return hiddenAccounts.replaceIn(out, () => '***');
}

// ---- the log ------------------------------------------------------------------------------------------

/** One line of progress; any line break or control character in it is shown escaped. */
export function info(message: string): void {
  if (detached === undefined) writeOut(inertLine(redactAccounts(message)) + EOL);
}

/** The action's own multi-line text (the dry-run plan): each line printed as `info` prints one. */
export function infoBlock(text: string): void {
  if (detached === undefined)
    writeOut(
      inertLines(redactAccounts(text))
        .map((l) => l + EOL)
        .join(''),
    );
}

export function notice(message: string): void {
  command('notice', {}, message);
}

export function warning(message: string, props: AnnotationProperties = {}): void {
  command('warning', annotation(props), message);
}

export function error(message: string, props: AnnotationProperties = {}): void {
  command('error', annotation(props), message);
}

/**
 * Off the runner only: what an AWS SDK reads from a credential_process, one JSON line on stdout.
 * Everything outside printable ASCII is a `\uXXXX` escape (JSON.stringify leaves C1 controls and
 * U+2028 raw), so a value from an STS reply cannot reach a terminal that shows the helper's output.
 */
export function printCredentialProcessResult(value: unknown): void {
  if (detached === undefined) return;
  const json = JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  writeOut(`${json}\n`);
}

/** Sets the variable for this process too, as later code in the same step may read it. */
export function exportVariable(name: string, value: string): void {
  process.env[name] = value;
  if (process.env['GITHUB_ENV']) fileCommand('ENV', keyValue(name, value));
  else command('set-env', { name }, value, false);
}

export function setOutput(name: string, value: string): void {
  if (process.env['GITHUB_OUTPUT']) fileCommand('OUTPUT', keyValue(name, value));
  else {
    writeOut(EOL);
    command('set-output', { name }, value, false);
  }
}

export function saveState(name: string, value: string): void {
  if (process.env['GITHUB_STATE']) fileCommand('STATE', keyValue(name, value));
  else command('save-state', { name }, value, false);
}

/** Appends Markdown to the job summary; throws when the runner gave no writable summary file. */
export function appendSummary(markdown: string): void {
  const file = process.env['GITHUB_STEP_SUMMARY'];
  if (!file) throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.');
  appendFileSync(file, redactAccounts(markdown) + EOL, 'utf8');
}

function annotation(props: AnnotationProperties): Record<string, string | number | undefined> {
  return { title: props.title, file: props.file, line: props.startLine };
}

/**
 * `data` is made inert (no line break, control or bidi character survives the runner's unescaping)
 * unless it is a value the runner stores rather than shows (legacy set-env/set-output/save-state).
 */
function command(name: string, props: Record<string, string | number | undefined>, message: string, shown = true): void {
  const text = shown ? inert(redactAccounts(message)) : message;
  if (detached !== undefined) {
    writeErr(`${detached}${name === 'error' ? '' : `${name}: `}${text}${EOL}`);
    return;
  }
  const list = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(inert(redactAccounts(String(v))))}`)
    .join(',');
  writeOut(`::${name}${list ? ` ${list}` : ''}::${escapeData(text)}${EOL}`);
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

// ---- writing ------------------------------------------------------------------------------------------

/**
 * Every byte the action prints goes through here, synchronously: `process.stdout` to a pipe is
 * asynchronous on POSIX, and the entry points exit as soon as the run is decided (index.ts), which
 * would drop queued lines — masks among them. A non-blocking pipe that is full answers EAGAIN: wait
 * a little and write the rest, so nothing is lost however late the reader is.
 */
function writeOut(text: string): void {
  writeFully(1, text);
}

function writeErr(text: string): void {
  writeFully(2, text);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeFully(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  let waitMs = 1;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
      waitMs = 1;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // The reader is gone (EPIPE) or there never was one (EBADF): nobody is left to show it to.
      if (code === 'EPIPE' || code === 'EBADF') return;
      if (code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, waitMs);
      waitMs = Math.min(waitMs * 2, 50);
    }
  }
}

/** A multi-line-safe `name<<delimiter` block; the delimiter is random so no value can end it early. */
function keyValue(name: string, value: string): string {
  // The global Web Crypto, not node:crypto: that module loads on this first use, never in the
  // credential_process helper (refresh/cacheHit.ts), which writes no file command.
  const delimiter = `ghadelimiter_${globalThis.crypto.randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`${name}: value contains the file-command delimiter`);
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}`;
}

/**
 * The file is the runner's, so a failure here (a directory, no permission, a full disk) is the job's
 * set-up, not a defect: one line naming the variable and node's code, never the value written.
 */
function fileCommand(kind: 'ENV' | 'OUTPUT' | 'STATE', message: string): void {
  const variable = `GITHUB_${kind}`;
  const file = process.env[variable]!;
  if (!existsSync(file)) throw new UserError(`cannot write the runner's ${variable} file ${inertLine(file)}: it does not exist`);
  try {
    appendFileSync(file, message + EOL, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'write failed';
    throw new UserError(`cannot write the runner's ${variable} file ${inertLine(file)}: ${code}`);
  }
}
