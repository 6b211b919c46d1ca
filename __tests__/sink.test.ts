/**
 * The output sink (runner.ts + inert.ts) and the Markdown escaper (export/markdown.ts), in depth:
 * thousands of hostile values through every printing function, read back as the runner reads a
 * step's output; the summary and plan builders with hostile names; and the rule that nothing in
 * src/ prints except through runner.ts.
 */
import fc from 'fast-check';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { inert, inertLine, inertLines } from '../src/base/inert.js';
import { mdText } from '../src/export/markdown.js';
import { secretLines } from '../src/base/runner.js';
import { planMarkdown, resultsMarkdown } from '../src/export/summary.js';
import type { Plan, Target } from '../src/base/types.js';
import type { TargetOutcome } from '../src/run/execute.js';
import { UserError } from '../src/base/errors.js';
import { REPO_ROOT, dotnetTrimStart, parseCommandLine, parseLegacyCommandLine, processOutput, splitRunnerLines } from './support/harness.js';
import { INJECTIONS, UNSAFE_CHAR, hostilePayload, markdownProblems } from './support/payloads.js';

/** Any text, hostile text weighted in: full Unicode, lone surrogates, the payload pieces, very long runs. */
const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(...INJECTIONS, '\r', '\n', '\u2028', '\u0085', '\u001b', '\u202e', ' ', '\t', ':', '#', '[', '%', '\ud800', 'a'),
    maxLength: 12,
  }),
  hostilePayload,
);

const isCommandStart = (line: string) => /^(::|##\[)/.test(dotnetTrimStart(line));

describe('inert text (pure)', () => {
  test('no line terminator, control, format or bidi character survives; safe text is unchanged', () => {
    fc.assert(
      fc.property(anyText, (v) => {
        const out = inert(v);
        expect(UNSAFE_CHAR.test(out)).toBe(false);
        if (!UNSAFE_CHAR.test(v)) expect(out).toBe(v);
      }),
      { numRuns: 5000 },
    );
  });

  test('a printed line never reads as a workflow command, in either syntax, however it is indented', () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom('', ' ', '\t', '\u00a0', '\u3000', '\u0085', '\r', '\u2028'), (v, lead) => {
        const line = inertLine(lead + v);
        expect(isCommandStart(line)).toBe(false);
        expect(splitRunnerLines(line, true).complete).toHaveLength(line === '' ? 0 : 1);
      }),
      { numRuns: 5000 },
    );
    expect(inertLine('::warning::x')).toBe('\\u{3a}:warning::x');
    expect(inertLine('  ##[error]x')).toBe('  \\u{23}#[error]x');
    expect(inertLine('\u00a0::add-mask::x')).toBe('\u00a0\\u{3a}:add-mask::x');
    expect(inertLine('a ::warning::x')).toBe('a ::warning::x');
  });

  test('examples: visible escapes for the issue payloads', () => {
    expect(inert('a\r\nb\rc\nd\u2028e\u0085f')).toBe('a\\u{d}\\u{a}b\\u{d}c\\u{a}d\\u{2028}e\\u{85}f');
    expect(inert('\u001b]8;;https://evil.example/\u001b\\x\u001b]8;;\u001b\\')).toBe('\\u{1b}]8;;https://evil.example/\\u{1b}\\x\\u{1b}]8;;\\u{1b}\\');
    expect(inert('\u202eabc\u202c \u2066x\u2069 \u200e\u200f\u061c\ufeff\u{e0041}')).toBe(
      '\\u{202e}abc\\u{202c} \\u{2066}x\\u{2069} \\u{200e}\\u{200f}\\u{61c}\\u{feff}\\u{e0041}',
    );
    expect(inertLines('one\r\ntwo\rthree\n::four')).toEqual(['one', 'two', 'three', '\\u{3a}:four']);
  });
});

describe('every printing function of runner.ts, read as the runner reads it', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aac-sink-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Prints `values` through sink-child.ts (info, warning, error, infoBlock, setSecret each) and returns the runner's view. */
  async function printed(values: string[], mode = ''): Promise<{ stdout: string; stderr: string; lines: ReturnType<typeof processOutput>['lines'] }> {
    const file = join(dir, `values-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(values));
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(REPO_ROOT, '__tests__/support/sink-child.ts'), file, mode],
        { cwd: REPO_ROOT, maxBuffer: 1 << 30, env: { PATH: process.env.PATH ?? '' } },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve({ stdout: out, stderr: errOut })),
      );
    });
    const raw = splitRunnerLines(stdout, true).complete.map((text, i) => ({ seq: i, stream: 'stdout' as const, lineNo: i + 1, text }));
    return { stdout, stderr, lines: processOutput(raw).lines };
  }

  test('2 000 hostile values: each call gives exactly its lines, commands only where meant, data inert', async () => {
    const values = fc.sample(anyText, { numRuns: 2000, seed: 13 });
    const { stdout, stderr, lines } = await printed(values);
    expect(stderr).toBe('');
    expect(stdout.includes('\r')).toBe(false);
    // Only an add-mask line (never shown by the runner) may carry a control character: the secret as it is.
    for (const l of lines) if (l.command?.name !== 'add-mask') expect([l.text, UNSAFE_CHAR.test(l.text)]).toEqual([l.text, false]);
    let i = 0;
    const next = () => lines[i++]!;
    for (const v of values) {
      const info = next();
      expect([v, info.text, info.command]).toEqual([v, inertLine(v), undefined]);
      const warning = next();
      const props = v === '' ? { line: '3' } : { title: inert(v), file: inert(v), line: '3' };
      expect([v, warning.command]).toEqual([v, { name: 'warning', properties: props, data: inert(v) }]);
      const error = next();
      expect([v, error.command]).toEqual([v, { name: 'error', properties: {}, data: inert(v) }]);
      // The block is the action's own text: its lines are wherever it has line breaks (a CR of v's own and the LF after it are one CRLF).
      const block = inertLines(`begin\n${v}\nend`);
      for (const expected of block) {
        const line = next();
        expect([v, line.text, line.command]).toEqual([v, expected, undefined]);
      }
      if (v !== '') {
        // The mask is the value itself, byte for byte: the runner must match the secret as it will appear.
        const mask = next();
        // (A lone surrogate has no UTF-8 form: it is written, and seen everywhere else, as U+FFFD.)
        const wellFormed = (t: string) => Buffer.from(t, 'utf8').toString('utf8');
        expect([v, mask.command?.name, mask.command?.data]).toEqual([v, 'add-mask', wellFormed(v)]);
        // A multi-line secret: each of its lines as well, since the runner masks line by line.
        for (const part of secretLines(v)) expect([v, next().command?.data]).toEqual([v, wellFormed(part)]);
      }
    }
    expect(i).toBe(lines.length);
  }, 120_000);

  test('a multi-line secret is also masked line by line, each line once', () => {
    expect(secretLines('one-line')).toEqual([]);
    expect(secretLines('a\nb\r\nc\r\n\n  \na')).toEqual(['a', 'b', 'c']);
  });

  test('with account IDs hidden: the mask comes first, every ARN account and known ID prints as ***', async () => {
    const values = [
      'Assumed arn:aws:iam::210987654321:role/x as arn:aws:sts::210987654321:assumed-role/x/s',
      'account 123456789012 denied',
      'arn:aws:iam::aws:policy/ReadOnly',
    ];
    const { lines } = await printed(values, 'accounts');
    const texts = lines.map((l) => (l.command ? `${l.command.name}:${l.command.data}` : l.text));
    expect(texts[0]).toBe('add-mask:123456789012');
    const maskAt = texts.indexOf('add-mask:210987654321');
    expect(maskAt).toBe(1);
    expect(texts[2]).toBe('Assumed arn:aws:iam::***:role/x as arn:aws:sts::***:assumed-role/x/s');
    expect(texts).toContain('account *** denied');
    expect(texts).toContain('arn:aws:iam::aws:policy/ReadOnly');
    for (const t of texts) if (!t.startsWith('add-mask:')) expect(t).not.toMatch(/123456789012|210987654321/);
  }, 60_000);
});

describe('Markdown escaping (job summary, plan)', () => {
  /** What CommonMark shows for mdText's output: backslash escapes and the three entities undone. */
  const rendered = (md: string) =>
    md
      .replace(/\\([\\`*_~[\]$#|])/g, '$1')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');

  test('renders as the literal (inert) text, with no construct left', () => {
    fc.assert(
      fc.property(anyText, (v) => {
        const md = mdText(v);
        expect(markdownProblems(md)).toEqual([]);
        expect(md).not.toMatch(/(^|[^\\])(\\\\)*[*_~$#|]/);
        expect(rendered(md)).toBe(inert(v));
      }),
      { numRuns: 5000 },
    );
  });

  test('examples from the issue', () => {
    expect(mdText('[text](https://evil.example/)')).toBe('\\[text\\](https://evil.example/)');
    expect(mdText('<img/src=x/onerror=alert(1)>')).toBe('&lt;img/src=x/onerror=alert(1)&gt;');
    expect(mdText('a|b `c` *d* _e_ ~f~ $g$ #h \\')).toBe('a\\|b \\`c\\` \\*d\\* \\_e\\_ \\~f\\~ \\$g\\$ \\#h \\\\');
    expect(mdText('&lt;b&gt;')).toBe('&amp;lt;b&amp;gt;');
    expect(mdText('arn:aws:iam::111111111111:role/a-b.c')).toBe('arn:aws:iam::111111111111:role/a-b.c');
  });

  const hop = (roleArn: string, name: string) => ({
    action: 'AssumeRole' as const,
    roleArn,
    roleSessionName: name,
    tags: [{ key: name, value: 'v' }],
    transitiveTagKeys: [],
    policyArns: [],
    mfa: { serialNumber: name, code: { kind: 'code' as const, code: '123456' } },
    origin: { where: name, line: 1, profile: name },
  });
  const target = (name: string): Target => ({
    name,
    chain: {
      source: { kind: 'web-identity', token: { kind: 'file', path: name, githubFallbackAudience: name } },
      hops: [hop(`arn:aws:iam::111111111111:role/${name}`, name)],
    },
  });

  test('plan and results: hostile names, ARNs, session names and errors stay literal text', () => {
    fc.assert(
      fc.property(anyText, (v) => {
        const plan: Plan = {
          region: v,
          stsEndpoint: v,
          targets: [target(v), { ...target(v), chain: { ...target(v).chain, source: { kind: 'process', command: v, origin: { where: v, profile: v } } } }],
        };
        const outcomes: TargetOutcome[] = [
          {
            target: target(v),
            ok: true,
            accountId: '111111111111',
            arn: v,
            credentials: { accessKeyId: 'A', secretAccessKey: 'S' },
            hops: [
              {
                hop: hop(`arn:aws:iam::111111111111:role/${v}`, v),
                assumedRoleArn: v,
                accountId: '111111111111',
                credentials: { accessKeyId: 'A', secretAccessKey: 'S' },
              },
            ],
          },
          { target: target(v), ok: false, error: new UserError(`failed: ${v}`) },
        ];
        for (const md of [planMarkdown(plan), resultsMarkdown(outcomes, (id) => id)]) {
          expect(markdownProblems(md)).toEqual([]);
          for (const line of md.split('\n')) expect(isCommandStart(line)).toBe(false);
          // Each table row keeps its column count: no value added a cell.
          for (const row of md.split('\n').filter((l) => l.startsWith('| '))) expect(row.split(/(?<!\\)\|/).length).toBe(md.includes('| duration |') ? 11 : 8);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('results: account IDs masked before escaping, so *** is text, not emphasis', () => {
    const outcome: TargetOutcome = {
      target: target('audit-111111111111'),
      ok: true,
      accountId: '111111111111',
      arn: 'arn:aws:sts::111111111111:assumed-role/r/s',
      credentials: { accessKeyId: 'A', secretAccessKey: 'S' },
      hops: [],
    };
    const md = resultsMarkdown([outcome], () => '***');
    expect(md).not.toContain('111111111111');
    expect(md).toContain('### audit-\\*\\*\\*');
    expect(md).toContain('| – | source credentials | arn:aws:sts::\\*\\*\\*:assumed-role/r/s | | \\*\\*\\* | |');
  });
});

describe('the harness reads output as the runner does', () => {
  test('lines end at LF, CR or CRLF, also when CRLF is split across chunks', () => {
    expect(splitRunnerLines('a\rb\nc\r\nd', true).complete).toEqual(['a', 'b', 'c', 'd']);
    expect(splitRunnerLines('a\r', false)).toEqual({ complete: [], rest: 'a\r' });
    expect(splitRunnerLines('a\r' + '\nb', false)).toEqual({ complete: ['a'], rest: 'b' });
    expect(splitRunnerLines('\n\r\r\n', true).complete).toEqual(['', '', '']);
  });

  test('both command syntaxes after .NET TrimStart (U+0085 is whitespace there, U+FEFF is not)', () => {
    expect(parseCommandLine('\u0085 ::warning::x')).toEqual({ name: 'warning', properties: {}, data: 'x' });
    expect(parseCommandLine('\ufeff::warning::x')).toBeUndefined();
    expect(parseLegacyCommandLine('  ##[error file=a%3Bb;line=2]x%5Dy')).toEqual({ name: 'error', properties: { file: 'a;b', line: '2' }, data: 'x]y' });
    expect(parseLegacyCommandLine('##[section]x')).toBeUndefined();
  });
});

describe('nothing in src/ prints except through runner.ts', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
    });

  const PRINTS = /process\.(stdout|stderr)|\bconsole\.|writeSync\(\s*[12]\b|\/dev\/(stdout|stderr|tty)/;

  test('the check recognises each way of printing', () => {
    for (const bad of ["process.stdout.write('x')", 'process.stderr.write(x)', 'console.log(x)', 'fs.writeSync(1, x)', "openSync('/dev/tty')"])
      expect(PRINTS.test(bad)).toBe(true);
    expect(PRINTS.test('core.info(x)')).toBe(false);
  });

  test('no process.stdout, process.stderr, console or raw fd write outside the sink', () => {
    const src = join(REPO_ROOT, 'src');
    const offenders = files(src)
      .filter((f) => relative(src, f).split(sep).join('/') !== 'base/runner.ts')
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${relative(REPO_ROOT, f)}:${i + 1}`, line }))
          .filter(({ line }) => PRINTS.test(line)),
      );
    expect(offenders).toEqual([]);
  });
});
