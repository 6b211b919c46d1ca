/**
 * `npm run bench`: what the action costs, measured on the bundle (dist/index.js) run as the runner runs it
 * (the runner harness, node 24), against the local STS emulator and GitHub OIDC stand-in.
 *
 * Rows: (a) OIDC → one role, (b) access keys → one role, (c) a 3-hop role-chain, (d) fan-out to 50 roles
 * through one hub (50 profiles written), (e) a 3-hop chain from a checked-in AWS config file, (f) the refresh
 * helper on a cache hit; (a)–(c) once more with simulated network latency (BENCH_LATENCY, default
 * `oidc=80,sts=40`; `off` = none: every OIDC token answer and every STS answer held back that long); beside
 * them a no-op node action run through the same harness with the same env and inputs, and bare `node -e 0`.
 * With BENCH_PEER=<dir of configure-aws-credentials>, the peer's (a)–(c) run in the same rounds (scripts/
 * bench-peer.ts) and a second table sets our marginal cost beside the peer's. Then (g), 1 000 accounts
 * (scripts/bench-scale.ts), BENCH_SCALE_RUNS times.
 *
 * One warm-up round, then BENCH_RUNS (default 10) rounds; rows are interleaved round by round so that drift
 * of the machine affects every row alike. Every run gets a fresh job (home, workspace, file commands).
 * Peak RSS and CPU time are measured in separate, untimed runs (BENCH_RSS_RUNS, default 3) by preloading
 * scripts/rss-probe.mjs; the highest RSS and the median CPU time are shown.
 *
 * Prints Markdown tables and writes them to bench/latest.md. Exit code 1 only when a run fails (then
 * bench/latest.md is left alone); a missed target is reported, not fatal.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatLatency, parseLatency, type Latency } from '../__tests__/support/emulator/latency.js';
import { ACTION_YML, type Job, NODE24_BIN, REPO_ROOT } from '../__tests__/support/harness.js';
import { DEPLOY, HUB, Scenario, TARGET, USER, memberRole, writeThreeHopConfig } from '../__tests__/support/scenario.js';
import { loadPeer, peerRows, type Peer } from './bench-peer.js';
import { median, ms, probed, RefreshHelper, RunFailure, runBare, runSteps, type Probe, type RunResult, type StepSpec } from './bench-run.js';
import { SCALE, SCALE_CALLS_ALONE_MS, SCALE_EXPECTED, SCALE_LABEL, ScaleRow } from './bench-scale.js';
import { bundleTable } from './bench-table.js';

const count = (name: string, fallback: number, min: number): number => {
  const v = Number(process.env[name] ?? fallback);
  return Number.isInteger(v) && v >= min ? v : fallback;
};
const RUNS = count('BENCH_RUNS', 10, 1);
const RSS_RUNS = count('BENCH_RSS_RUNS', 3, 1);
const SCALE_RUNS = count('BENCH_SCALE_RUNS', 3, 0);
const LATENCY: Latency | undefined = ['off', 'none', '0'].includes(process.env['BENCH_LATENCY'] ?? '')
  ? undefined
  : parseLatency(process.env['BENCH_LATENCY'] ?? 'oidc=80,sts=40');
const PEER: Peer | undefined = process.env['BENCH_PEER'] ? loadPeer(process.env['BENCH_PEER']) : undefined;
const NOOP_ENTRY = '__tests__/fixtures/noop-action/index.js';
const OUT_FILE = path.join(REPO_ROOT, 'bench', 'latest.md');
const MEMBERS = 50;

interface Target {
  /** 'over': median minus the no-op's median (per step); 'total': the median itself */
  of: 'over' | 'total';
  ms: number;
}

interface Row {
  label: string;
  /** action steps run through the harness; `node -e 0` and the refresh helper are spawned directly */
  kind: 'action' | 'noop' | 'bare' | 'helper' | 'peer';
  steps?: (job: Job) => StepSpec[];
  /** node processes the row starts: its "over no-op" subtracts that many no-op medians */
  stepCount?: number;
  expectedCalls?: number;
  latency?: Latency;
  target?: Target;
  /** pairs our row with the peer's in the side-by-side table */
  pair?: 'a' | 'b' | 'c';
}

const s = await Scenario.start({ members: MEMBERS });
const ours = (inputs: (job: Job) => Record<string, string>, env: () => Record<string, string>) => (job: Job) => [
  { entry: 'main', actionYml: ACTION_YML, inputs: inputs(job), env: env() },
];
const oidcEnv = () => s.oidcEnv;
const inputsA = () => ({ 'aws-region': 'us-east-1', 'role-to-assume': HUB });
const inputsB = () => ({
  'aws-region': 'us-east-1',
  'aws-access-key-id': USER.accessKeyId,
  'aws-secret-access-key': USER.secretAccessKey,
  'role-to-assume': HUB,
});
const inputsC = () => ({ 'aws-region': 'us-east-1', 'role-chain': `${HUB}\n${DEPLOY} external-id=deploy-ext-42\n${TARGET}` });
const pairable: Row[] = [
  { label: '(a) OIDC → one role', kind: 'action', expectedCalls: 1, target: { of: 'over', ms: 140 }, pair: 'a', steps: ours(inputsA, oidcEnv) },
  { label: '(b) access keys → one role', kind: 'action', expectedCalls: 1, target: { of: 'over', ms: 140 }, pair: 'b', steps: ours(inputsB, () => s.stsEnv) },
  { label: '(c) OIDC → 3-hop role-chain', kind: 'action', expectedCalls: 3, target: { of: 'over', ms: 200 }, pair: 'c', steps: ours(inputsC, oidcEnv) },
];
const peers: Row[] = PEER
  ? peerRows(s, PEER).map((p) => ({ label: p.label, kind: 'peer', expectedCalls: p.expectedCalls, pair: p.of, stepCount: p.steps().length, steps: p.steps }))
  : [];
const withLatency = (rows: Row[]): Row[] =>
  LATENCY ? rows.map((r) => ({ ...r, label: `${r.label}, latency ${formatLatency(LATENCY)}`, latency: LATENCY, target: undefined })) : [];

const rows: Row[] = [
  { label: '`node -e 0` (node 24, no harness)', kind: 'bare' },
  {
    label: 'no-op node action (harness, inputs of a)',
    kind: 'noop',
    expectedCalls: 0,
    steps: (job) => [{ ...ours(inputsA, oidcEnv)(job)[0]!, entry: NOOP_ENTRY }],
  },
  ...pairable,
  {
    label: `(d) OIDC → hub → fan-out to ${MEMBERS} roles, ${MEMBERS} profiles`,
    kind: 'action',
    expectedCalls: MEMBERS + 1,
    target: { of: 'total', ms: 2000 },
    steps: ours(() => ({ ...inputsA(), 'fan-out-roles': Array.from({ length: MEMBERS }, (_, i) => memberRole(i + 1)).join('\n') }), oidcEnv),
  },
  {
    label: '(e) config-file profile chain, 3 hops',
    kind: 'action',
    expectedCalls: 3,
    steps: ours((job) => ({ 'config-file': writeThreeHopConfig(job.workspace), profile: 'target' }), oidcEnv),
  },
  // What every AWS CLI / SDK process start pays with `refresh: true`: the credential_process line run
  // with a shell, answered from the cache ("over" is against `node -e 0`, as no harness is involved).
  { label: '(f) refresh helper, cache hit (credential_process via sh)', kind: 'helper', expectedCalls: 0 },
  ...peers,
  ...withLatency(pairable),
  ...withLatency(peers),
];

const helper = new RefreshHelper(s, { 'aws-region': 'us-east-1', 'role-to-assume': HUB, refresh: 'true', 'aws-profile': 'bench' });

function runRow(row: Row, extraEnv: (step: number) => Record<string, string> = () => ({})): Promise<RunResult> {
  if (row.kind === 'bare') return runBare(extraEnv(0));
  if (row.kind === 'helper') return helper.run(extraEnv(0));
  return runSteps(s, row.label, row.steps!, row.latency, extraEnv);
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
  const load = os.loadavg()[0]!.toFixed(1);
  return `node ${node24} (the action's runtime; bench driver on ${process.version}) · \`nproc\` ${nproc} · load average ${load} at the end · CPU ${cpu}`;
}

// ------------------------------------------------------------------------------------------------------------

const times = new Map<Row, number[]>(rows.map((r) => [r, []]));
const callCounts = new Map<Row, number[]>(rows.map((r) => [r, []]));
const probes = new Map<Row, Probe[]>(rows.map((r) => [r, []]));
const failures: string[] = [];
const failed = new Set<Row>();
const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aac-bench-probe-'));
const scaleTimes: number[] = [];
const scaleProbes: Probe[] = [];
let scaleFailed = false;

async function attempt(row: Row | undefined, f: () => Promise<void>): Promise<void> {
  if (row && failed.has(row)) return;
  try {
    await f();
  } catch (e) {
    if (row) failed.add(row);
    else scaleFailed = true;
    failures.push(e instanceof RunFailure ? e.message : `${row?.label ?? SCALE_LABEL}: ${(e as Error).stack ?? String(e)}`);
  }
}

/** Every call must have been answered: a refused call would have tripped the peer's (or our) retries. */
function checkCalls(row: Row, r: RunResult): void {
  const refused = r.calls.filter((c) => c.status !== 200);
  if (refused.length > 0) {
    throw new RunFailure(`${row.label}: ${refused.length} STS call(s) refused: ${refused.map((c) => `${c.action} ${c.result.errorCode}`).join(', ')}`);
  }
}

try {
  process.stderr.write(`bench: 1 warm-up + ${RUNS} timed rounds of ${rows.length} rows, then ${RSS_RUNS} probe rounds, then ${SCALE_RUNS} runs of (g)\n`);
  for (let round = 0; round <= RUNS; round++) {
    for (const row of rows) {
      await attempt(row, async () => {
        const r = await runRow(row);
        checkCalls(row, r);
        if (round === 0) return; // warm-up
        times.get(row)!.push(r.ms);
        callCounts.get(row)!.push(r.calls.length);
      });
    }
    process.stderr.write(round === 0 ? 'warm-up done\n' : `round ${round}/${RUNS}\n`);
  }
  for (let i = 0; i < RSS_RUNS; i++) {
    for (const row of rows) await attempt(row, async () => void probes.get(row)!.push(await probed(probeDir, (env) => runRow(row, env))));
  }
  if (SCALE_RUNS > 0) {
    const scale = await ScaleRow.start();
    try {
      for (let i = 0; i < SCALE_RUNS && !scaleFailed; i++) {
        await attempt(undefined, async () => void scaleTimes.push((await scale.run()).ms));
        await attempt(undefined, async () => void scaleProbes.push(await probed(probeDir, (env) => scale.run(env(0)))));
        process.stderr.write(`(g) run ${i + 1}/${SCALE_RUNS}\n`);
      }
    } finally {
      await scale.stop();
    }
  }
} finally {
  fs.rmSync(probeDir, { recursive: true, force: true });
  await helper.cleanup();
  await s.stop();
}

// ------------------------------------------------------------------------------------------------------------

const medianOf = (kind: Row['kind']): number => {
  const row = rows.find((r) => r.kind === kind)!;
  return failed.has(row) ? NaN : median(times.get(row)!);
};
const noopMedian = medianOf('noop');
const bareMedian = medianOf('bare');
/** Median minus what the row's node starts cost without doing anything (the no-op per step; `node -e 0` for the helper). */
const over = (row: Row): number =>
  median(times.get(row)!) - (row.kind === 'helper' ? bareMedian : row.kind === 'action' || row.kind === 'peer' ? (row.stepCount ?? 1) * noopMedian : NaN);
const cpuText = (ps: readonly Probe[]) => (ps.length ? ms(median(ps.map((p) => p.cpuMs))) : '–');
const rssText = (ps: readonly Probe[]) => (ps.length ? `${(Math.max(...ps.map((p) => p.rssKb)) / 1024).toFixed(1)} MiB` : '–');
const targetText = (t: Target | undefined) => (!t ? '–' : t.of === 'over' ? `≤ ${t.ms} ms over no-op` : `≤ ${t.ms / 1000} s total`);

const lines: string[] = [];
lines.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${machine()}`, '');
lines.push(
  `Wall time of the step(s) (spawn to exit) over ${RUNS} runs after 1 warm-up; "over no-op" = median − the no-op action's median (once per step).\n` +
    `CPU (user + system) and peak RSS: of the step's process(es), from ${RSS_RUNS} separate runs (median CPU, highest RSS). STS calls: per run, from the emulator's log.`,
  '',
);
lines.push('| Row | STS calls (expected) | Median | Min–max | Over no-op | CPU | Peak RSS | Target | Meets |');
lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
for (const row of rows) {
  if (failed.has(row)) {
    lines.push(`| ${row.label} | | | | | | | ${targetText(row.target)} | **run failed** |`);
    continue;
  }
  const t = times.get(row)!;
  const med = median(t);
  const counts = callCounts.get(row)!;
  const [lo, hi] = [Math.min(...counts), Math.max(...counts)];
  const exact = lo === row.expectedCalls && hi === row.expectedCalls;
  const callText = row.expectedCalls === undefined ? '–' : `${lo === hi ? lo : `${lo}–${hi}`} (${row.expectedCalls})${exact ? '' : ' **≠**'}`;
  const overText = Number.isFinite(over(row)) ? ms(over(row)) : '–';
  let meets = '–';
  if (row.target) {
    const value = row.target.of === 'over' ? over(row) : med;
    meets = !Number.isFinite(value) ? '? (no no-op baseline)' : value <= row.target.ms ? 'yes' : '**no**';
    if (row.target.of === 'total') meets += ` (${ms(value)})`;
  }
  const p = probes.get(row)!;
  lines.push(
    `| ${row.label} | ${callText} | ${ms(med)} | ${ms(Math.min(...t))}–${ms(Math.max(...t))} | ${overText} | ${cpuText(p)} | ${rssText(p)} | ${targetText(row.target)} | ${meets} |`,
  );
}

if (PEER) {
  const ratioTarget = { a: 0.5, b: 0.5, c: 0.35 } as const;
  lines.push('', `Side by side with ${PEER.name} (\`BENCH_PEER\`), same rounds: our marginal cost over the peer's (each "over no-op").`, '');
  lines.push(
    '| Row | Latency | Ours over no-op | Peer over no-op | Ratio | Target | Meets | CPU ratio |',
    '| --- | --- | ---: | ---: | ---: | --- | --- | ---: |',
  );
  // CPU time over the no-op's, per step: what a busy machine distorts least (wall times queue for the CPU).
  const noopCpu = median(probes.get(rows.find((r) => r.kind === 'noop')!)!.map((p) => p.cpuMs));
  const cpuOver = (row: Row) => median(probes.get(row)!.map((p) => p.cpuMs)) - (row.stepCount ?? 1) * noopCpu;
  for (const mine of rows.filter((r) => r.kind === 'action' && r.pair)) {
    const theirs = rows.find((r) => r.kind === 'peer' && r.pair === mine.pair && r.latency === mine.latency)!;
    const lat = mine.latency ? formatLatency(mine.latency) : 'none';
    const target = `≤ ${ratioTarget[mine.pair!]}×`;
    if (failed.has(mine) || failed.has(theirs)) {
      lines.push(`| (${mine.pair}) | ${lat} | | | | ${target} | **run failed** | |`);
      continue;
    }
    const ratio = over(mine) / over(theirs);
    lines.push(
      `| (${mine.pair}) | ${lat} | ${ms(over(mine))} | ${ms(over(theirs))} | ${ratio.toFixed(2)}× | ${mine.latency ? '–' : target} | ${mine.latency ? '–' : ratio <= ratioTarget[mine.pair!] ? 'yes' : '**no**'} | ${(cpuOver(mine) / cpuOver(theirs)).toFixed(2)}× |`,
    );
  }
}

if (SCALE_RUNS > 0) {
  lines.push('', `Organisation scale, its own world, ${SCALE_RUNS} run(s) after the rounds above (and as many probe runs):`, '');
  lines.push(
    '| Row | STS calls | Calls alone | Median | Min–max | CPU | Peak RSS | Target | Meets |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  );
  const calls = `${SCALE_EXPECTED.ok} answered + ${SCALE_EXPECTED.throttled} throttled`;
  if (scaleFailed || scaleTimes.length === 0) {
    lines.push(`| ${SCALE_LABEL} | ${calls} | | | | | | ≤ ${SCALE.targetMs / 1000} s total | **run failed** |`);
  } else {
    const med = median(scaleTimes);
    lines.push(
      `| ${SCALE_LABEL} | ${calls} | ${ms(SCALE_CALLS_ALONE_MS)} | ${ms(med)} | ${ms(Math.min(...scaleTimes))}–${ms(Math.max(...scaleTimes))} | ${cpuText(scaleProbes)} | ${rssText(scaleProbes)} | ≤ ${SCALE.targetMs / 1000} s total | ${med <= SCALE.targetMs ? 'yes' : '**no**'} |`,
    );
  }
}

lines.push('', ...bundleTable());

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
