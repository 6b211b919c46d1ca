/**
 * The only module that reads action inputs. Every reader returns a typed value or throws an
 * InputError naming the input; nothing here knows what an input means.
 */
import * as core from '../base/runner.js';
import { InputError } from '../base/errors.js';
import { forbiddenCharProblem } from '../base/constraints.js';

/**
 * Inputs whose value is a list or a document: line breaks are part of the syntax there. Every other
 * input is one value on one line (a line break in an ARN, endpoint or path is refused).
 */
const MULTI_LINE = new Set([
  'role-chain',
  'fan-out-roles',
  'profile',
  'allowed-account-ids',
  'allowed-sts-endpoints',
  'managed-session-policies',
  'transitive-tag-keys',
  'custom-tags',
  'inline-session-policy',
  'no-proxy',
]);

/**
 * The raw input, refused when it holds a character no input needs and that could end a log line or
 * drive a terminal (the one rule of plan/constraints.ts). CRLF counts as one line break.
 */
function read(name: string, trim = true): string {
  const value = core.getInput(name, { trimWhitespace: trim }).replace(/\r\n/g, '\n');
  const problem = forbiddenCharProblem(trim ? value : value.trim(), { tab: true, lineBreaks: MULTI_LINE.has(name) });
  if (problem) throw new InputError(name, problem);
  return value;
}

export function text(name: string): string | undefined {
  const value = read(name).trim();
  return value === '' ? undefined : value;
}

export function required(name: string): string {
  const value = text(name);
  if (value === undefined) throw new InputError(name, 'is required and was not supplied');
  return value;
}

/** Secret inputs are masked before anything else can print them. */
export function secret(name: string): string | undefined {
  const raw = core.getInput(name, { trimWhitespace: false });
  const value = raw.trim();
  if (value === '') return undefined;
  core.setSecret(value);
  if (raw !== value) core.setSecret(raw);
  read(name, false); // masked first: the check's error never quotes the value anyway
  return value;
}

/** Registers a value derived from an input (e.g. a password inside a URL) as a secret. */
export function mask(value: string): void {
  if (value !== '') core.setSecret(value);
}

/** YAML 1.2 core-schema booleans, as the runner documents for `getBooleanInput`; empty ⇒ the default. */
export function boolean(name: string, fallback: boolean): boolean {
  const value = text(name);
  if (value === undefined) return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new InputError(name, `must be true or false, got "${value}"`);
}

export function integer(name: string, range: { min: number; max: number }): number | undefined {
  const value = text(name);
  if (value === undefined) return undefined;
  return parseInteger(name, value, range);
}

export function parseInteger(name: string, value: string, range: { min: number; max: number }, line?: number): number {
  if (!/^\d+$/.test(value)) throw new InputError(name, `must be a whole number, got "${value}"`, line);
  const n = Number(value);
  if (n < range.min || n > range.max) {
    throw new InputError(name, `must be between ${range.min} and ${range.max}, got ${n}`, line);
  }
  return n;
}

/** One value per line; blank lines and whole-line `#` comments dropped; commas also separate when `commas`. */
export function list(name: string, opts: { commas?: boolean } = {}): string[] {
  const value = read(name);
  const items = value
    .split(/\r?\n/)
    .flatMap((line) => (opts.commas ? line.split(',') : [line]))
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'));
  return items;
}

/** Lines with their 1-based line numbers, for inputs whose errors point at a line. */
export function lines(name: string): Array<{ text: string; line: number }> {
  return read(name)
    .split(/\r?\n/)
    .map((text, i) => ({ text: text.trim(), line: i + 1 }))
    .filter(({ text }) => text !== '' && !text.startsWith('#'));
}

export function json(name: string): unknown {
  const value = text(name);
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new InputError(name, 'is not valid JSON');
  }
}
