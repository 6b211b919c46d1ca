/**
 * The only module that reads action inputs. Every reader returns a typed value or throws an
 * InputError naming the input; nothing here knows what an input means.
 */
import * as core from '../runner.js';
import { InputError } from '../errors.js';

export function text(name: string): string | undefined {
  const value = core.getInput(name).trim();
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
  const value = core.getInput(name);
  const items = value
    .split(/\r?\n/)
    .flatMap((line) => (opts.commas ? line.split(',') : [line]))
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'));
  return items;
}

/** Lines with their 1-based line numbers, for inputs whose errors point at a line. */
export function lines(name: string): Array<{ text: string; line: number }> {
  return core
    .getInput(name)
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
