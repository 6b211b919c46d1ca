/**
 * The only module that reads action inputs. Every reader returns a typed value or throws an
 * InputError naming the input; nothing here knows what an input means. Inputs come from the env
 * handed in (the runner passes input `x-y` as `INPUT_X-Y`), so callers and tests choose it.
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

/** The runner's name for an input's variable: upper case, spaces as underscores. */
function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** The action's inputs, read from one env. */
export class Inputs {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** The untrimmed value, '' when unset. */
  private raw(name: string): string {
    return this.env[inputVariable(name)] ?? '';
  }

  /**
   * The raw input, refused when it holds a character no input needs and that could end a log line or
   * drive a terminal (the one rule of base/constraints.ts). CRLF counts as one line break.
   */
  private read(name: string, trim = true): string {
    const raw = this.raw(name);
    const value = (trim ? raw.trim() : raw).replace(/\r\n/g, '\n');
    const problem = forbiddenCharProblem(trim ? value : value.trim(), { tab: true, lineBreaks: MULTI_LINE.has(name) });
    if (problem) throw new InputError(name, problem);
    return value;
  }

  text(name: string): string | undefined {
    const value = this.read(name).trim();
    return value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.text(name);
    if (value === undefined) throw new InputError(name, 'is required and was not supplied');
    return value;
  }

  /** Secret inputs are masked before anything else can print them. */
  secret(name: string): string | undefined {
    const raw = this.raw(name);
    const value = raw.trim();
    if (value === '') return undefined;
    core.setSecret(value);
    if (raw !== value) core.setSecret(raw);
    this.read(name, false); // masked first: the check's error never quotes the value anyway
    return value;
  }

  /** Registers a value derived from an input (e.g. a password inside a URL) as a secret. */
  mask(value: string): void {
    if (value !== '') core.setSecret(value);
  }

  /** YAML 1.2 core-schema booleans, as the runner documents for `getBooleanInput`; empty ⇒ the default. */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.text(name);
    if (value === undefined) return fallback;
    if (['true', 'True', 'TRUE'].includes(value)) return true;
    if (['false', 'False', 'FALSE'].includes(value)) return false;
    throw new InputError(name, `must be true or false, got "${value}"`);
  }

  integer(name: string, range: { min: number; max: number }): number | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    return parseInteger(name, value, range);
  }

  /** One value per line; blank lines and whole-line `#` comments dropped; commas also separate when `commas`. */
  list(name: string, opts: { commas?: boolean } = {}): string[] {
    return this.read(name)
      .split(/\r?\n/)
      .flatMap((line) => (opts.commas ? line.split(',') : [line]))
      .map((item) => item.trim())
      .filter((item) => item !== '' && !item.startsWith('#'));
  }

  /** Lines with their 1-based line numbers, for inputs whose errors point at a line. */
  lines(name: string): Array<{ text: string; line: number }> {
    return this.read(name)
      .split(/\r?\n/)
      .map((text, i) => ({ text: text.trim(), line: i + 1 }))
      .filter(({ text }) => text !== '' && !text.startsWith('#'));
  }

  json(name: string): unknown {
    const value = this.text(name);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new InputError(name, 'is not valid JSON');
    }
  }
}

/** A boolean input of this process (the post step, which is handed no env of its own). */
export function boolean(name: string, fallback: boolean): boolean {
  return new Inputs(process.env).boolean(name, fallback);
}

export function parseInteger(name: string, value: string, range: { min: number; max: number }, line?: number): number {
  if (!/^\d+$/.test(value)) throw new InputError(name, `must be a whole number, got "${value}"`, line);
  const n = Number(value);
  if (n < range.min || n > range.max) {
    throw new InputError(name, `must be between ${range.min} and ${range.max}, got ${n}`, line);
  }
  return n;
}
