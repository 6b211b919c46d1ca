/**
 * Small pieces of Python's standard library, reproduced exactly where the action must behave (and
 * word its errors) the way botocore does: `str.strip()`, `shlex.split()` (and botocore's
 * Windows splitter), `int()`, `repr()`.
 * Pure string functions; nothing here knows about profiles or files.
 */

/** Characters Python's `str.strip()` / `\s` treat as whitespace, as the body of a RegExp class. */
export const PY_WS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WS_CHAR = new RegExp(`^[${PY_WS}]$`);

// Index loops, not `\s+$` regexes: those backtrack quadratically on long runs of spaces.
export const isWs = (ch: string): boolean => WS_CHAR.test(ch);

/** Python's `str.strip()` with no argument. */
export function pyStrip(s: string): string {
  let start = 0;
  while (start < s.length && isWs(s.charAt(start))) start++;
  return pyRstrip(s.slice(start));
}

/** Python's `str.rstrip()` with no argument. */
export function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && isWs(s.charAt(end - 1))) end--;
  return s.slice(0, end);
}

/**
 * Python's `shlex.split(s)` (POSIX mode, no comments), as botocore applies it to section names.
 * Returns undefined where Python raises ValueError (unclosed quote, trailing backslash).
 */
export function shlexSplit(s: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false; // a word has started (possibly an empty quoted one)
  let quote: '"' | "'" | undefined;
  const chars = Array.from(s);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\') {
        const next = chars[++i];
        if (next === undefined) return undefined;
        word += next === '"' || next === '\\' ? next : `\\${next}`;
      } else word += c;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === '\\') {
      const next = chars[++i];
      if (next === undefined) return undefined;
      word += next;
      inWord = true;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) return undefined;
  if (inWord) words.push(word);
  return words;
}

/**
 * botocore's `compat_shell_split(s, platform)`, which splits a `credential_process` command: POSIX
 * shlex everywhere but Windows, where it follows the MS C runtime (only space and tab separate, only
 * double quotes group, backslashes are literal unless a run of them ends at a double quote: then each
 * pair is one backslash and an odd one out makes the quote literal). Undefined where botocore raises
 * ValueError (an unclosed quote).
 */
export function compatShellSplit(s: string, platform: NodeJS.Platform): string[] | undefined {
  return platform === 'win32' ? windowsSplit(s) : shlexSplit(s);
}

function windowsSplit(s: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let started = false; // a quote starts a word even if nothing else follows (`""` is an empty word)
  let quoted = false;
  let backslashes = 0;
  const flush = () => {
    word += '\\'.repeat(backslashes);
    backslashes = 0;
  };
  for (const c of s) {
    if (c === '\\') {
      backslashes++;
    } else if (c === '"') {
      word += '\\'.repeat(Math.floor(backslashes / 2));
      const escaped = backslashes % 2 === 1;
      backslashes = 0;
      started = true;
      if (escaped) word += '"';
      else quoted = !quoted;
    } else if ((c === ' ' || c === '\t') && !quoted) {
      flush();
      if (started || word !== '') words.push(word);
      word = '';
      started = false;
    } else {
      flush();
      word += c;
    }
  }
  if (quoted) return undefined;
  flush();
  if (started || word !== '') words.push(word);
  return words;
}

/** Length as Python's `len()` counts a str: code points, not UTF-16 units. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Python's `int(text)` for a decimal string: optional sign, digits with single `_` between them,
 * surrounding whitespace allowed. Undefined where Python raises ValueError. (Non-ASCII decimal
 * digits, which Python also accepts, are treated as not a number.)
 */
export function pyInt(text: string): bigint | undefined {
  const match = /^([+-]?)([0-9]+(?:_[0-9]+)*)$/.exec(pyStrip(text));
  if (!match) return undefined;
  const value = BigInt((match[2] as string).replaceAll('_', ''));
  return match[1] === '-' ? -value : value;
}

/** Python's `repr()` of a str. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(ch)) out += pyEscape(ch.codePointAt(0) ?? 0);
    else out += ch;
  }
  return out + quote;
}

function pyEscape(code: number): string {
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** Python's `repr()` of a list of str. */
export function pyListRepr(items: readonly string[]): string {
  return `[${items.map(pyRepr).join(', ')}]`;
}
