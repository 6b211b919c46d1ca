/**
 * Leak checker for a step run by the harness.
 *
 * A secret (job secrets + step secrets + the list given; values shorter than 4 chars are ignored) leaks when it
 * appears, raw or in a derived form (JSON-escaped, URL-encoded, workflow-command-escaped):
 *  (a) in stdout/stderr on any line other than an `::add-mask::` line registering it (or one of its forms or,
 *      for a multi-line secret, one of its lines) — whether printed before or after it was masked, and also
 *      when it spans several lines (multi-line secret printed raw, or a secret wrapped over two lines);
 *  (b) in the step summary;
 *  (c) in annotation text (message, title, file) of ::error:: / ::warning:: / ::notice::;
 *  (d) in any file under the job's home, RUNNER_TEMP and workspace, except GITHUB_ENV files and `allowFiles`
 *      (a directory there allows everything below it) — GITHUB_OUTPUT and GITHUB_STATE files are checked —
 *      plus the files in `opts.files` (always checked; missing ones are skipped).
 * The error message names each place and shows a secret only as its first 4 chars and its length.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LogLine, StepResult } from './harness.js';

export interface LeakCheckOptions {
  /** extra files to scan (outside the job dirs, or to scan even when allowed) */
  files?: string[];
  /** files (or directories) under the job dirs that may hold secrets, e.g. a credentials file or GITHUB_OUTPUT */
  allowFiles?: string[];
}

export interface Leak {
  /** first 4 chars + length, never the secret itself */
  secret: string;
  place: string;
}

const MIN_SECRET_LENGTH = 4;

/** How a secret is shown in reports. */
export function describeSecret(secret: string): string {
  return `"${secret.slice(0, 4)}…" (${secret.length} chars)`;
}

interface Form {
  label: string;
  value: string;
}

export function secretForms(secret: string): Form[] {
  const forms: Form[] = [{ label: '', value: secret }];
  const add = (label: string, value: string): void => {
    if (!forms.some((f) => f.value === value)) forms.push({ label, value });
  };
  add('JSON-escaped', JSON.stringify(secret).slice(1, -1));
  add('URL-encoded', encodeURIComponent(secret));
  add('command-escaped', secret.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
  if (secret.includes('\r\n')) add('LF-normalised', secret.replace(/\r\n/g, '\n'));
  return forms;
}

interface Segment {
  /** text of one line */
  text: string;
  /** how to name it in a report, e.g. "stdout line 3" */
  where: string;
  /** extra note, e.g. "printed before it was masked" */
  note?: string;
}

/**
 * Finds the forms of `secret` in a sequence of lines: within the lines joined by '\n' (so multi-line values
 * are found) and within the lines concatenated without breaks (a secret split across lines).
 * Returns one report string per distinct starting line.
 */
function searchSegments(segments: Segment[], forms: Form[]): string[] {
  if (segments.length === 0) return [];
  const found = new Map<number, string>();
  for (const joiner of ['\n', '']) {
    const starts: number[] = [];
    let acc = '';
    segments.forEach((s, i) => {
      if (i > 0) acc += joiner;
      starts.push(acc.length);
      acc += s.text;
    });
    const lineAt = (offset: number): number => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= offset) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    for (const form of forms) {
      if (joiner === '' && /[\r\n]/.test(form.value)) continue;
      for (let at = acc.indexOf(form.value); at >= 0; at = acc.indexOf(form.value, at + 1)) {
        const first = lineAt(at);
        const last = lineAt(at + form.value.length - 1);
        if (found.has(first)) continue;
        const seg = segments[first] as Segment;
        const parts = [seg.where];
        if (last > first) parts.push(joiner === '' ? `split over ${last - first + 1} lines` : `spanning ${last - first + 1} lines`);
        if (form.label) parts.push(`as ${form.label}`);
        if (seg.note) parts.push(seg.note);
        found.set(first, parts.join(', '));
      }
    }
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

function textSegments(text: string, where: (lineNo: number) => string): Segment[] {
  return text.split(/\r?\n/).map((t, i) => ({ text: t, where: where(i + 1) }));
}

/** True when `line` is an ::add-mask:: the runner processed that registers `secret` (or a form / line of it). */
function isOwnMaskLine(line: LogLine, secret: string, forms: Form[]): boolean {
  if (line.command?.name !== 'add-mask') return false;
  const data = line.command.data;
  if (data === '') return false;
  if (forms.some((f) => f.value === data)) return true;
  return /[\r\n]/.test(secret) && secret.split(/\r?\n/).includes(data);
}

function streamLeaks(result: StepResult, secret: string, forms: Form[]): string[] {
  const out: string[] = [];
  const maskSeq = result.lines.find((l) => isOwnMaskLine(l, secret, forms))?.seq;
  for (const stream of ['stdout', 'stderr'] as const) {
    const segments: Segment[] = result.lines
      .filter((l) => l.stream === stream && !isOwnMaskLine(l, secret, forms))
      .map((l) => ({
        text: l.text,
        where: `${stream} line ${l.lineNo}`,
        note: maskSeq === undefined ? 'never masked' : l.seq < maskSeq ? 'printed before it was masked' : 'printed after it was masked',
      }));
    out.push(...searchSegments(segments, forms));
  }
  return out;
}

function walkFiles(dir: string, into: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, into);
    else if (e.isFile()) into.push(p);
  }
}

function isUnder(file: string, allowed: string): boolean {
  return file === allowed || file.startsWith(allowed.endsWith(path.sep) ? allowed : allowed + path.sep);
}

function fileLabel(result: StepResult, file: string): string {
  const { dirs, files } = result;
  const kinds: Array<[string, string]> = [
    [files.output, 'GITHUB_OUTPUT file'],
    [files.state, 'GITHUB_STATE file'],
    [files.path, 'GITHUB_PATH file'],
    [files.summary, 'GITHUB_STEP_SUMMARY file'],
  ];
  const kind = kinds.find(([f]) => f === file)?.[1];
  const roots: Array<[string, string]> = [
    [dirs.runnerTemp, '$RUNNER_TEMP'],
    [dirs.workspace, '$GITHUB_WORKSPACE'],
    [dirs.home, '$HOME'],
  ];
  const root = roots.find(([r]) => isUnder(file, r));
  const shown = root ? `${root[1]}/${path.relative(root[0], file)}` : file;
  return kind ? `${kind} ${shown}` : `file ${shown}`;
}

/** All leaks found; see the module comment for the rule. */
export function findLeaks(result: StepResult, secrets: string[] = [], opts: LeakCheckOptions = {}): Leak[] {
  const all = [...new Set([...result.knownSecrets, ...secrets])].filter((s) => s.length >= MIN_SECRET_LENGTH);
  if (all.length === 0) return [];
  const leaks: Leak[] = [];
  const allowed = (opts.allowFiles ?? []).map((f) => path.resolve(f));
  const commandsDir = path.join(result.dirs.runnerTemp, '_runner_file_commands');
  const isEnvFile = (f: string): boolean => f === result.files.env || (path.dirname(f) === commandsDir && path.basename(f).startsWith('set_env_'));

  const scanned: string[] = [];
  for (const d of [result.dirs.home, result.dirs.runnerTemp, result.dirs.workspace]) walkFiles(d, scanned);
  const toScan = scanned.filter((f) => !isEnvFile(f) && f !== result.files.summary && !allowed.some((a) => isUnder(f, a)));
  for (const f of opts.files ?? []) {
    const abs = path.resolve(f);
    if (!toScan.includes(abs) && fs.existsSync(abs)) toScan.push(abs);
  }
  const contents = new Map<string, string>();
  for (const f of [...new Set(toScan)].sort()) {
    try {
      contents.set(f, fs.readFileSync(f, 'utf8'));
    } catch {
      /* vanished or unreadable */
    }
  }

  for (const secret of all) {
    const forms = secretForms(secret);
    const shown = describeSecret(secret);
    const report = (places: string[]): void => {
      for (const place of places) leaks.push({ secret: shown, place });
    };
    // (a) stdout / stderr
    report(streamLeaks(result, secret, forms));
    // (b) step summary
    report(
      searchSegments(
        textSegments(result.summary, (n) => `step summary line ${n}`),
        forms,
      ),
    );
    // (c) annotations
    result.annotations.forEach((a, i) => {
      for (const field of ['message', 'title', 'file'] as const) {
        const value = a[field];
        if (value === undefined) continue;
        const hits = searchSegments(
          textSegments(value, () => `${a.level} annotation #${i + 1} ${field}`),
          forms,
        );
        if (hits.length > 0) report([hits[0] as string]);
      }
    });
    // (d) files
    for (const [file, text] of contents) {
      const label = fileLabel(result, file);
      const hint = file === result.files.output ? ' (allow it with allowFiles: [result.files.output])' : '';
      const hits = searchSegments(
        textSegments(text, (n) => `${label} line ${n}`),
        forms,
      );
      report(hits.map((h) => h + hint));
    }
  }
  return leaks;
}

/** Throws when any known secret leaked (see the module comment); the message never contains a secret. */
export function assertNoLeaks(result: StepResult, secrets: string[] = [], opts: LeakCheckOptions = {}): void {
  const leaks = findLeaks(result, secrets, opts);
  if (leaks.length === 0) return;
  const lines = leaks.map((l) => `  - secret ${l.secret} in ${l.place}`);
  throw new Error(`Secret leak check failed (${leaks.length} finding${leaks.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
}
