/**
 * `npm run bench`: what the action costs, measured on the bundle (dist/index.js) run as the runner runs it
 * (the runner harness, node 24), against the local STS emulator and GitHub OIDC stand-in.
 *
 * Rows: (a) OIDC → one role, (b) access keys → one role, (c) a 3-hop role-chain, (d) fan-out to 50 roles
 * through one hub (50 profiles written), (e) a 3-hop chain from a checked-in AWS config file; beside them a
 * no-op node action run through the same harness with the same env and inputs, and bare `node -e 0`.
 * One warm-up round, then BENCH_RUNS (default 10) rounds; rows are interleaved round by round so that drift
 * of the machine affects every row alike. Every run gets a fresh job (home, workspace, file commands).
 * Peak RSS is measured in separate, untimed runs (BENCH_RSS_RUNS, default 3; the highest is shown) by
 * preloading scripts/rss-probe.mjs, which writes ru_maxrss on exit.
 *
 * Prints a Markdown table and writes it to bench/latest.md. Exit code 1 only when a run fails (then
 * bench/latest.md is left alone); a missed target is reported, not fatal.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ACTION_YML, Job, NODE24_BIN, REPO_ROOT } from '../__tests__/support/harness.js';
import { DEPLOY, HUB, Scenario, TARGET, USER, memberRole, writeThreeHopConfig } from '../__tests__/support/scenario.js';

const RUNS = Math.max(1, Number(process.env['BENCH_RUNS'] ?? 10) || 10);
const RSS_RUNS = Math.max(1, Number(process.env['BENCH_RSS_RUNS'] ?? 3) || 3);
const NOOP_ENTRY = '__tests__/fixtures/noop-action/index.js';
const RSS_PROBE = pathToFileURL(path.join(REPO_ROOT, 'scripts', 'rss-probe.mjs')).href;
const OUT_FILE = path.join(REPO_ROOT, 'bench', 'latest.md');
const DIST = path.join(REPO_ROOT, 'dist');

const MEMBERS = 50;
interface Target {
  /** 'over': median minus the no-op's median; 'total': the median itself */
  of: 'over' | 'total';
  ms: number;
}

interface Row {
  label: string;
  /** action steps run through the harness; `node -e 0` and the refresh helper are spawned directly */
  kind: 'action' | 'noop' | 'bare' | 'helper';
  expectedCalls?: number;
  target?: Target;
  inputs?: (job: Job) => Record<string, string>;
  env?: () => Record<string, string>;
}

const s = await Scenario.start({ members: MEMBERS });

const rows: Row[] = [
  { label: '`node -e 0` (node 24, no harness)', kind: 'bare' },
  {
    label: 'no-op node action (harness, inputs of a)',
    kind: 'noop',
    expectedCalls: 0,
    inputs: () => ({ 'aws-region': 'us-east-1', 'role-to-assume': HUB }),
    env: () => s.oidcEnv,
  },
  {
    label: '(a) OIDC → one role',
    kind: 'action',
    expectedCalls: 1,
    target: { of: 'over', ms: 140 },
    inputs: () => ({ 'aws-region': 'us-east-1', 'role-to-assume': HUB }),
    env: () => s.oidcEnv,
  },
  {
    label: '(b) access keys → one role',
    kind: 'action',
    expectedCalls: 1,
    target: { of: 'over', ms: 140 },
    inputs: () => ({
      'aws-region': 'us-east-1',
      'aws-access-key-id': USER.accessKeyId,
      'aws-secret-access-key': USER.secretAccessKey,
      'role-to-assume': HUB,
    }),
    env: () => s.stsEnv,
  },
  {
    label: '(c) OIDC → 3-hop role-chain',
    kind: 'action',
    expectedCalls: 3,
    target: { of: 'over', ms: 200 },
    inputs: () => ({ 'aws-region': 'us-east-1', 'role-chain': `${HUB}\n${DEPLOY} external-id=deploy-ext-42\n${TARGET}` }),
    env: () => s.oidcEnv,
  },
  {
    label: `(d) OIDC → hub → fan-out to ${MEMBERS} roles, ${MEMBERS} profiles`,
    kind: 'action',
    expectedCalls: MEMBERS + 1,
    target: { of: 'total', ms: 2000 },
    inputs: () => ({
      'aws-region': 'us-east-1',
      'role-to-assume': HUB,
      'fan-out-roles': Array.from({ length: MEMBERS }, (_, i) => memberRole(i + 1)).join('\n'),
    }),
    env: () => s.oidcEnv,
  },
  {
    label: '(e) config-file profile chain, 3 hops',
    kind: 'action',
    expectedCalls: 3,
    inputs: (job) => ({ 'config-file': writeThreeHopConfig(job.workspace), profile: 'target' }),
    env: () => s.oidcEnv,
  },
  // What every AWS CLI / SDK process start pays with `refresh: true`: the credential_process line run
  // with a shell, answered from the cache ("over" is against `node -e 0`, as no harness is involved).
  { label: '(f) refresh helper, cache hit (credential_process via sh)', kind: 'helper', expectedCalls: 0 },
];

/** A job whose step wrote a refreshing profile: set up once, its helper then timed like the other rows. */
let helper: { job: Job; line: string; env: Record<string, string> } | undefined;

async function helperJob(): Promise<NonNullable<typeof helper>> {
  if (helper) return helper;
  const job = new Job();
  const r = await job.runStep({
    node: NODE24_BIN,
    entry: 'main',
    actionYml: ACTION_YML,
    inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, refresh: 'true', 'aws-profile': 'bench' },
    env: s.oidcEnv,
  });
  if (r.exitCode !== 0) throw new RunFailure(`refresh set-up failed: ${r.errors.join(' | ')}`);
  const line = /^credential_process = (.*)$/m.exec(fs.readFileSync(path.join(job.home, '.aws', 'config'), 'utf8'))?.[1];
  if (!line) throw new RunFailure('refresh set-up wrote no credential_process');
  helper = { job, line, env: { PATH: process.env['PATH'] ?? '', HOME: job.home, RUNNER_TEMP: job.runnerTemp, ...s.oidcEnv } };
  return helper;
}

async function runHelper(extraEnv: Record<string, string>): Promise<RunResult> {
  const { line, env } = await helperJob();
  s.sts.clearCalls();
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', line], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      const version = code === 0 ? (JSON.parse(out) as { Version?: unknown }).Version : undefined;
      if (version === 1) resolve({ ms, calls: s.calls().map((c) => c.action) });
      else reject(new RunFailure(`refresh helper exited with ${code}: ${err.trim().slice(0, 500)}`));
    });
  });
}

interface RunResult {
  ms: number;
  /** STS actions the emulator logged during the run */
  calls: string[];
}

class RunFailure extends Error {}

const bareEnv = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '', HOME: os.tmpdir() });

function runBare(extraEnv: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(NODE24_BIN, ['-e', '0'], { env: { ...bareEnv(), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, calls: [] });
      else reject(new RunFailure(`node -e 0 exited with ${code}`));
    });
  });
}

async function runRow(row: Row, extraEnv: Record<string, string> = {}): Promise<RunResult> {
  if (row.kind === 'bare') return runBare(extraEnv);
  if (row.kind === 'helper') return runHelper(extraEnv);
  const job = new Job();
  try {
    const inputs = row.inputs?.(job) ?? {};
    s.sts.clearCalls();
    const r = await job.runStep({
      node: NODE24_BIN,
      entry: row.kind === 'noop' ? NOOP_ENTRY : 'main',
      actionYml: ACTION_YML,
      inputs,
      env: { ...(row.env?.() ?? {}), ...extraEnv },
    });
    const calls = s.calls().map((c) => c.action);
    if (r.exitCode !== 0 || r.timedOut) {
      const why = r.timedOut ? 'timed out' : `exit code ${r.exitCode}`;
      throw new RunFailure(`${row.label}: ${why}: ${[...r.errors, r.stderr.trim()].filter(Boolean).join(' | ').slice(0, 2000)}`);
    }
    return { ms: r.durationMs, calls };
  } finally {
    await job.cleanup();
  }
}

/** Peak RSS (KiB) of one untimed run: the child itself reports ru_maxrss on exit. */
async function peakRssKb(row: Row, dir: string, i: number): Promise<number> {
  const file = path.join(dir, `rss-${rows.indexOf(row)}-${i}`);
  await runRow(row, { NODE_OPTIONS: `--import=${RSS_PROBE}`, BENCH_RSS_FILE: file });
  const kb = Number(fs.readFileSync(file, 'utf8'));
  if (!Number.isFinite(kb) || kb <= 0) throw new RunFailure(`${row.label}: no RSS reported`);
  return kb;
}

function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = Math.floor(a.length / 2);
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

const ms = (v: number) => `${Math.round(v)} ms`;
const bytes = (n: number) => n.toLocaleString('en-US');

function jsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? jsFiles(path.join(dir, d.name)) : d.name.endsWith('.js') ? [path.join(dir, d.name)] : []));
}

function machine(): string {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    /* not Linux */
  }
  let nproc = String(os.availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    /* no coreutils */
  }
  const node24 = execFileSync(NODE24_BIN, ['--version'], { encoding: 'utf8' }).trim();
  return `node ${node24} (the action's runtime; bench driver on ${process.version}) · \`nproc\` ${nproc} · CPU ${cpu}`;
}

// ------------------------------------------------------------------------------------------------------------

const times = new Map<Row, number[]>(rows.map((r) => [r, []]));
const callCounts = new Map<Row, number[]>(rows.map((r) => [r, []]));
const rss = new Map<Row, number[]>(rows.map((r) => [r, []]));
const failures: string[] = [];
const failed = new Set<Row>();
const rssDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aac-bench-rss-'));

async function attempt(row: Row, f: () => Promise<void>): Promise<void> {
  if (failed.has(row)) return;
  try {
    await f();
  } catch (e) {
    failed.add(row);
    failures.push(e instanceof RunFailure ? e.message : `${row.label}: ${(e as Error).stack ?? String(e)}`);
  }
}

try {
  process.stderr.write(`bench: 1 warm-up + ${RUNS} timed rounds of ${rows.length} rows, then ${RSS_RUNS} RSS rounds\n`);
  for (let round = 0; round <= RUNS; round++) {
    for (const row of rows) {
      await attempt(row, async () => {
        const r = await runRow(row);
        if (round === 0) return; // warm-up
        times.get(row)!.push(r.ms);
        callCounts.get(row)!.push(r.calls.length);
      });
    }
    process.stderr.write(round === 0 ? 'warm-up done\n' : `round ${round}/${RUNS}\n`);
  }
  for (let i = 0; i < RSS_RUNS; i++) {
    for (const row of rows) await attempt(row, async () => void rss.get(row)!.push(await peakRssKb(row, rssDir, i)));
  }
} finally {
  fs.rmSync(rssDir, { recursive: true, force: true });
  await helper?.job.cleanup();
  await s.stop();
}

// ------------------------------------------------------------------------------------------------------------

const noopRow = rows.find((r) => r.kind === 'noop')!;
const noopMedian = failed.has(noopRow) ? NaN : median(times.get(noopRow)!);
const bareRow = rows.find((r) => r.kind === 'bare')!;
const bareMedian = failed.has(bareRow) ? NaN : median(times.get(bareRow)!);

const lines: string[] = [];
lines.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${machine()}`);
lines.push('');
lines.push(
  `Wall time of the step (spawn to exit) over ${RUNS} runs after 1 warm-up; "over no-op" = median − the no-op action's median.\n` +
    `Peak RSS: highest ru_maxrss of the step's process over ${RSS_RUNS} separate runs. STS calls: per run, from the emulator's log.`,
);
lines.push('');
lines.push('| Row | STS calls (expected) | Median | Min–max | Over no-op | Peak RSS | Target | Meets |');
lines.push('| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
for (const row of rows) {
  if (failed.has(row)) {
    lines.push(`| ${row.label} | | | | | | ${targetText(row.target)} | **run failed** |`);
    continue;
  }
  const t = times.get(row)!;
  const med = median(t);
  const counts = callCounts.get(row)!;
  const lo = Math.min(...counts);
  const hi = Math.max(...counts);
  const callText =
    row.expectedCalls === undefined
      ? '–'
      : `${lo === hi ? lo : `${lo}–${hi}`} (${row.expectedCalls})${lo === row.expectedCalls && hi === row.expectedCalls ? '' : ' **≠**'}`;
  const baseline = row.kind === 'action' ? noopMedian : row.kind === 'helper' ? bareMedian : NaN;
  const over = Number.isFinite(baseline) ? ms(med - baseline) : '–';
  const peak = rss.get(row)!.length ? `${(Math.max(...rss.get(row)!) / 1024).toFixed(1)} MiB` : '–';
  let meets = '–';
  if (row.target) {
    const value = row.target.of === 'over' ? med - noopMedian : med;
    meets = !Number.isFinite(value) ? '? (no no-op baseline)' : value <= row.target.ms ? 'yes' : '**no**';
    if (row.target.of === 'total') meets += ` (${ms(value)})`;
  }
  lines.push(
    `| ${row.label} | ${callText} | ${ms(med)} | ${ms(Math.min(...t))}–${ms(Math.max(...t))} | ${over} | ${peak} | ${targetText(row.target)} | ${meets} |`,
  );
}

function targetText(t: Target | undefined): string {
  if (!t) return '–';
  return t.of === 'over' ? `≤ ${t.ms} ms over no-op` : `≤ ${t.ms / 1000} s total`;
}

const mainBundle = path.join(DIST, 'index.js');
const postBundle = path.join(DIST, 'post', 'index.js');
const sizeTargets = new Map([
  [mainBundle, 1_000_000],
  [postBundle, 200_000],
]);
const files = [
  mainBundle,
  ...jsFiles(DIST)
    .filter((f) => f !== mainBundle && f !== postBundle)
    .sort(),
  postBundle,
];
let total = 0;
lines.push('');
lines.push('| Bundle file | Bytes | Target | Meets |');
lines.push('| --- | ---: | --- | --- |');
for (const f of files) {
  const size = fs.existsSync(f) ? fs.statSync(f).size : NaN;
  if (Number.isFinite(size)) total += size;
  const target = sizeTargets.get(f);
  const meets = target === undefined ? '–' : size <= target ? 'yes' : '**no**';
  lines.push(`| \`${path.relative(REPO_ROOT, f)}\` | ${Number.isFinite(size) ? bytes(size) : 'missing'} | ${target ? `≤ ${bytes(target)}` : '–'} | ${meets} |`);
}
lines.push(`| total (${files.length} files) | ${bytes(total)} | – | – |`);

const table = `${lines.join('\n')}\n`;
console.log(table);
if (failures.length) {
  console.error(`${failures.length} row(s) failed; ${path.relative(REPO_ROOT, OUT_FILE)} not written:\n${failures.join('\n')}`);
  process.exitCode = 1;
} else {
  fs.mkdirSync(path.dirname(OUT_FILE), { recursive: true });
  fs.writeFileSync(OUT_FILE, `# Benchmark: latest run\n\nWritten by \`npm run bench\` (scripts/bench.ts).\n\n${table}`);
  console.error(`written to ${path.relative(REPO_ROOT, OUT_FILE)}`);
}
