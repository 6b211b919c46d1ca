/**
 * A reader for AWS config/credentials files that behaves like the INI reader botocore uses:
 * Python's `configparser.RawConfigParser` with its defaults (strict, no interpolation), followed by
 * botocore's one level of nested values (`key =` + indented `k = v` lines).
 *
 * Pure: the caller passes the file text and the path (the path is only used in messages and origins).
 *
 * Rules reproduced:
 * - `=` and `:` both separate key and value; the first of them on the line wins.
 * - Only whole-line comments (`#` or `;` as the first non-blank character). A `;` or `#` later in a
 *   line is part of the value.
 * - Keys are stripped and lower-cased, values are stripped, quotes are kept.
 * - A line indented deeper than the line that started the current key continues that key's value
 *   (pieces joined with `\n`); blank lines inside a value are kept, trailing ones dropped.
 * - A duplicate key in a section, or a duplicate section, is an error; so is a key before any
 *   section header, and a line that is neither a header nor `key = value`.
 * - `[DEFAULT]` holds defaults that every other section inherits (its own keys win).
 * - A value whose text starts with a newline (`key =` followed by indented lines) is a nested
 *   block: each non-blank line must be `name = value` (split at the first `=`; names keep case).
 *
 * Deliberate difference: a leading UTF-8 byte-order mark is ignored (Python would fail on it).
 */
import { ConfigError } from '../base/errors.js';
import { type Line, type LineKind, type ParsedIni, sectionSpans, splitLines } from './iniLines.js';
import { PY_WS, pyRstrip, pyStrip } from './python.js';

/** One value as read from a file. */
export interface IniValue {
  /** The value text; for a multi-line value the stripped pieces joined with `\n`. */
  readonly text: string;
  /** botocore's nested form: set when `text` starts with a newline. */
  readonly nested?: ReadonlyMap<string, string>;
  /** 1-based line of the `key = …` line. */
  readonly line: number;
  /** True when the value comes from the file's `[DEFAULT]` section. */
  readonly inherited: boolean;
}

export interface IniSection {
  /** The text between the brackets, exactly as configparser keeps it (not stripped). */
  readonly name: string;
  /** 1-based line of the `[name]` header. */
  readonly line: number;
  /** Lower-cased key → value; includes values inherited from `[DEFAULT]`. */
  readonly values: ReadonlyMap<string, IniValue>;
}

export interface IniDocument {
  readonly path: string;
  /** Sections in file order; `[DEFAULT]` is not one of them. */
  readonly sections: readonly IniSection[];
  /** The `[DEFAULT]` section's own values. */
  readonly defaults: ReadonlyMap<string, IniValue>;
}

const NON_WS = new RegExp(`[^${PY_WS}]`);
/** `[header]` at the start of a stripped line; the header runs to the last `]` (configparser is greedy). */
const SECTION_HEADER = /^\[(.+)\]/s;
/** Line breaks of Python's `str.splitlines()` (used for nested values). */
const PY_LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

const DEFAULT_SECTION = 'DEFAULT';

/** `key <ws> (= or :) <ws> value`: the key is everything before the first delimiter. */
function splitOption(line: string): { key: string; value: string } | undefined {
  const at = line.search(/[=:]/);
  return at < 0 ? undefined : { key: pyRstrip(line.slice(0, at)), value: pyStrip(line.slice(at + 1)) };
}

/** Python's `str.lower()` for the purposes of key names. */
function lowerKey(s: string): string {
  return s.toLowerCase();
}

function parseError(path: string, line: number, what: string): ConfigError {
  return new ConfigError('ConfigParseError', `Unable to parse config file: ${path} (${what})`, { where: path, line });
}

/** One line as configparser reads it. */
export interface ScannedLine {
  readonly kind: LineKind;
  /** The line stripped as Python's `str.strip()` does. */
  readonly stripped: string;
  /** On a header: the section name; on an option: the key, stripped, case kept. */
  readonly name?: string;
  /** On an option: the value after the delimiter, stripped. */
  readonly value?: string;
}

/**
 * Classify every line as Python 3's `RawConfigParser._read` does. The one place headers, comments
 * and continuation lines are defined, for reading (`parseConfigText`) and for editing in place
 * (`parseIni`). Comments and blank lines change no state; an invalid line leaves the open key open.
 */
export function scanLines(texts: readonly string[]): ScannedLine[] {
  let inSection = false;
  let keyOpen = false; // the last option had a non-empty key: deeper-indented lines continue it
  let indentOfKeyLine = 0;
  return texts.map((raw): ScannedLine => {
    const stripped = pyStrip(raw);
    if (stripped.startsWith('#') || stripped.startsWith(';')) return { kind: 'comment', stripped };
    if (stripped === '') return { kind: 'blank', stripped };
    const indent = raw.search(NON_WS);
    if (inSection && keyOpen && indent > indentOfKeyLine) return { kind: 'continuation', stripped };
    indentOfKeyLine = indent;
    const header = SECTION_HEADER.exec(stripped);
    if (header) {
      inSection = true;
      keyOpen = false;
      return { kind: 'header', stripped, name: header[1] as string };
    }
    if (!inSection) return { kind: 'preamble', stripped };
    const option = splitOption(stripped);
    if (!option) return { kind: 'invalid', stripped };
    keyOpen = option.key !== '';
    return { kind: 'option', stripped, name: option.key, value: option.value };
  });
}

/** A file's lines with their kinds and the sections' spans, for editing the file in place. */
export function parseIni(lines: readonly Line[]): ParsedIni {
  const scanned = scanLines(lines.map((l) => l.text));
  return { lines, kinds: scanned.map((s) => s.kind), sections: sectionSpans(scanned) };
}

/** A value being built: its pieces (joined at the end) and where it started. */
interface PendingValue {
  readonly pieces: string[];
  readonly line: number;
}

interface PendingSection {
  readonly name: string;
  readonly line: number;
  readonly values: Map<string, PendingValue>;
}

interface Reading {
  readonly sections: Map<string, PendingSection>;
  readonly defaults: PendingSection;
}

/**
 * Parse one config or credentials file.
 * @throws ConfigError `ConfigParseError` with the offending line.
 */
export function parseConfigText(text: string, path: string): IniDocument {
  const lines = splitLines(text.replace(/^\uFEFF/, '')).map((l) => l.text);
  const { sections, defaults } = readSections(scanLines(lines), path);
  const ownDefaults = finishValues(defaults.values, true);
  const finished: IniSection[] = [];
  for (const section of sections.values()) {
    const values = new Map<string, IniValue>();
    // configparser lists inherited defaults first, then the section's own keys (which win).
    for (const [key, value] of ownDefaults) values.set(key, value);
    for (const [key, value] of finishValues(section.values, false)) values.set(key, value);
    for (const [key, value] of values) values.set(key, withNested(value, path, key));
    finished.push({ name: section.name, line: section.line, values });
  }
  return { path, sections: finished, defaults: ownDefaults };
}

/** Gather each section's values from the scanned lines, raising configparser's errors. */
function readSections(scanned: readonly ScannedLine[], path: string): Reading {
  const sections = new Map<string, PendingSection>();
  const defaults: PendingSection = { name: DEFAULT_SECTION, line: 0, values: new Map() };
  const seenKeys = new Set<string>(); // `${section}\0${key}` for the duplicate-key check
  let current: PendingSection | undefined;
  let currentKey: string | undefined;
  let firstBadLine: { line: number; what: string } | undefined;

  scanned.forEach((line, index) => {
    const lineNo = index + 1;
    const open = current && currentKey ? current.values.get(currentKey) : undefined;
    if (line.kind === 'comment') return;
    // A blank (not comment) line inside a value becomes an empty piece of it.
    if (line.kind === 'blank' || line.kind === 'continuation') open?.pieces.push(line.stripped);
    else if (line.kind === 'header') {
      const name = line.name as string;
      currentKey = undefined;
      if (name === DEFAULT_SECTION) current = defaults;
      else if (sections.has(name)) throw parseError(path, lineNo, `duplicate section [${name}]`);
      else {
        current = { name, line: lineNo, values: new Map() };
        sections.set(name, current);
      }
    } else if (line.kind === 'preamble' || !current) {
      throw parseError(path, lineNo, 'a line before the first [section] header');
    } else if (line.kind === 'invalid') {
      // configparser notes the error, keeps going (the current key stays open) and raises at the end.
      firstBadLine ??= { line: lineNo, what: 'line is neither a [section] header nor "key = value"' };
    } else {
      const key = lowerKey(line.name ?? '');
      if (key === '') firstBadLine ??= { line: lineNo, what: 'empty key before the "=" or ":"' };
      const seen = `${current.name}\0${key}`;
      if (seenKeys.has(seen)) throw parseError(path, lineNo, `duplicate key "${key}" in section [${current.name}]`);
      seenKeys.add(seen);
      current.values.set(key, { pieces: [line.value ?? ''], line: lineNo });
      currentKey = key;
    }
  });

  if (firstBadLine) throw parseError(path, firstBadLine.line, firstBadLine.what);
  return { sections, defaults };
}

function finishValues(pending: ReadonlyMap<string, PendingValue>, inherited: boolean): Map<string, IniValue> {
  const out = new Map<string, IniValue>();
  for (const [key, value] of pending) {
    out.set(key, { text: pyRstrip(value.pieces.join('\n')), line: value.line, inherited });
  }
  return out;
}

/** botocore's nested values: text starting with a newline is a block of `name = value` lines. */
function withNested(value: IniValue, path: string, key: string): IniValue {
  if (!value.text.startsWith('\n') || value.nested) return value;
  const nested = new Map<string, string>();
  for (const rawLine of value.text.split(PY_LINE_BREAKS)) {
    const line = pyStrip(rawLine);
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw parseError(path, value.line, `nested value of "${key}" has a line without "="`);
    nested.set(pyStrip(line.slice(0, eq)), pyStrip(line.slice(eq + 1)));
  }
  return { ...value, nested };
}
