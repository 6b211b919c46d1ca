/**
 * The GitHub runner's documented step protocol: inputs from INPUT_* variables, workflow commands
 * on stdout, and the GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files.
 *
 * Why not @actions/core: it loads its HTTP client (undici, ~400 kB) for getIDToken even when no
 * token is asked for. That alone is twice the post step's size budget and a third of the main
 * step's start-up. The protocol itself is small and stable; this module follows the same formats
 * (heredoc with a random `ghadelimiter_` per value, the same %-escapes), and the harness tests
 * parse them as the runner does. The OIDC token is a plain GET (sources/githubOidc.ts), through
 * Node's own proxy support when a proxy is configured. @actions/core stays a dev dependency: a test
 * checks the OIDC stand-in against its getIDToken.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { EOL } from 'node:os';

/**
 * Off the runner (the credential_process helper, whose stdout is read by an AWS SDK): workflow
 * commands have no reader, so masks are dropped, progress is not shown (some SDKs pass the helper's
 * stderr through to the user's terminal), and warnings and errors go to stderr as plain text.
 */
let detached = false;

export function detachFromRunner(): void {
  detached = true;
}

export interface AnnotationProperties {
  readonly title?: string;
  readonly file?: string;
  readonly startLine?: number;
}

/** The raw input (the runner upper-cases the name and turns spaces into underscores); trimmed unless asked not to. */
export function getInput(name: string, opts: { trimWhitespace?: boolean } = {}): string {
  const value = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
  return opts.trimWhitespace === false ? value : value.trim();
}

export function getState(name: string): string {
  return process.env[`STATE_${name}`] ?? '';
}

export function setSecret(value: string): void {
  if (!detached) command('add-mask', {}, value);
}

export function info(message: string): void {
  if (!detached) process.stdout.write(message + EOL);
}

export function warning(message: string, props: AnnotationProperties = {}): void {
  command('warning', annotation(props), message);
}

export function error(message: string, props: AnnotationProperties = {}): void {
  command('error', annotation(props), message);
}

/** Sets the variable for this process too, as later code in the same step may read it. */
export function exportVariable(name: string, value: string): void {
  process.env[name] = value;
  if (process.env['GITHUB_ENV']) fileCommand('ENV', keyValue(name, value));
  else command('set-env', { name }, value);
}

export function setOutput(name: string, value: string): void {
  if (process.env['GITHUB_OUTPUT']) fileCommand('OUTPUT', keyValue(name, value));
  else {
    process.stdout.write(EOL);
    command('set-output', { name }, value);
  }
}

export function saveState(name: string, value: string): void {
  if (process.env['GITHUB_STATE']) fileCommand('STATE', keyValue(name, value));
  else command('save-state', { name }, value);
}

/** Appends Markdown to the job summary; throws when the runner gave no writable summary file. */
export function appendSummary(markdown: string): void {
  const file = process.env['GITHUB_STEP_SUMMARY'];
  if (!file) throw new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.');
  appendFileSync(file, markdown + EOL, 'utf8');
}

function annotation(props: AnnotationProperties): Record<string, string | number | undefined> {
  return { title: props.title, file: props.file, line: props.startLine };
}

function command(name: string, props: Record<string, string | number | undefined>, message: string): void {
  if (detached) {
    process.stderr.write(`${name}: ${message}${EOL}`);
    return;
  }
  const list = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  process.stdout.write(`::${name}${list ? ' ' + list : ''}::${escapeData(message)}${EOL}`);
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** A multi-line-safe `name<<delimiter` block; the delimiter is random so no value can end it early. */
function keyValue(name: string, value: string): string {
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`${name}: value contains the file-command delimiter`);
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}`;
}

function fileCommand(kind: 'ENV' | 'OUTPUT' | 'STATE', message: string): void {
  const file = process.env[`GITHUB_${kind}`]!;
  if (!existsSync(file)) throw new Error(`Missing file at path: ${file}`);
  appendFileSync(file, message + EOL, 'utf8');
}
