/**
 * A peer's own words (a credential_process's stderr, a token service's error body) quoted in an
 * error line: short, on one line, with control characters escaped, and with anything that looks
 * like a credential replaced by `***` — the request token and the values the caller names, any
 * Authorization header or bearer token, JWTs, and AWS key shapes. Masks registered with the runner
 * would hide known secrets in the log anyway; this also covers secrets the action never saw.
 */
import { DIAGNOSTIC_CHARS } from './limits.js';

const REDACTIONS: readonly RegExp[] = [
  // An Authorization header, whatever its scheme, to the end of its line.
  /\b(?:proxy-)?authorization\s*["']?\s*[:=]\s*[^\r\n]*/gi,
  /\bbearer\s+[^\s"',;]+/gi,
  // JWTs (three base64url parts, the first a JSON header).
  /\beyJ[\w-]*\.[\w-]*\.?[\w-]*/g,
  // AWS access key IDs and anything long enough in the base64 alphabet to be a secret key or token
  // (with a digit and a letter, so a long plain word or path without digits stays readable).
  /\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g,
  /[A-Za-z0-9/+=_-]{32,}/g,
];

/** A long base64-alphabet run is a secret when it mixes digits and letters (checked here: a lookahead would backtrack). */
const looksSecret = (run: string) => !/^[A-Za-z0-9/+=_-]{32,}$/.test(run) || (/\d/.test(run) && /[A-Za-z]/.test(run));

/** Control, line-break and bidirectional-override characters, which could split or disguise a log line. */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

function replacement(match: string): string {
  if (/^(?:proxy-)?authorization/i.test(match)) return 'Authorization: ***';
  if (/^bearer\s/i.test(match)) return 'Bearer ***';
  return looksSecret(match) ? '***' : match;
}

export interface RedactOptions {
  readonly secrets?: readonly (string | undefined)[];
  /**
   * Also replace any long run of the base64 alphabet mixing digits and letters (on by default). Off
   * for text whose long identifiers matter (an AWS error naming a session ARN): named secrets,
   * headers, bearer tokens, JWTs and access key IDs are still replaced.
   */
  readonly longRuns?: boolean;
}

export function redact(text: string, opts: RedactOptions = {}): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...(opts.secrets ?? [])].filter((s): s is string => !!s && s.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('***');
  }
  const patterns = opts.longRuns === false ? REDACTIONS.slice(0, -1) : REDACTIONS;
  for (const pattern of patterns) out = out.replace(pattern, replacement);
  return out;
}

/**
 * The part of `text` worth showing: redacted, whitespace runs collapsed, escaped, then cut to `max`
 * characters (DIAGNOSTIC_CHARS by default) from the end (`tail`: where a failing program says why)
 * or from the start.
 */
export function diagnostic(text: string, opts: RedactOptions & { tail?: boolean; max?: number } = {}): string {
  const max = opts.max ?? DIAGNOSTIC_CHARS;
  const flat = redact(text, opts)
    .replace(/[ \t\r\n]+/g, ' ')
    .trim()
    .replace(UNSAFE, escapeChar);
  if (flat.length <= max) return flat;
  return opts.tail ? `…${flat.slice(-max)}` : `${flat.slice(0, max)}…`;
}
