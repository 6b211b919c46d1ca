/**
 * How `npm run bench` runs one row once: bare `node -e 0`, the refresh helper, or one or more action steps
 * (ours, the no-op, or a peer action) in one fresh runner job, with the emulator's simulated latency set for
 * the run. Every run reports its wall time and what the emulator logged; an untimed run preloaded with
 * scripts/rss-probe.mjs also reports the process's peak RSS and CPU time.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NO_LATENCY, type Latency } from '../__tests__/support/emulator/latency.js';
import { Job, NODE24_BIN, REPO_ROOT } from '../__tests__/support/harness.js';
import type { Scenario } from '../__tests__/support/scenario.js';
import type { CallLogEntry } from '../__tests__/support/sts-emulator.js';

const RSS_PROBE = pathToFileURL(path.join(REPO_ROOT, 'scripts', 'rss-probe.mjs')).href;

/** One step of an action row: which bundle, with which action.yml's input defaults, inputs and env. */
export interface StepSpec {
  entry: string;
  actionYml: string;
  inputs: Record<string, string>;
  env: Record<string, string>;
}

export interface RunResult {
  ms: number;
  /** STS calls the emulator logged during the run */
  calls: CallLogEntry[];
}

export interface Probe {
  /** peak RSS, KiB (the highest of the row's steps) */
  rssKb: number;
  /** user + system CPU time, ms (summed over the row's steps) */
  cpuMs: number;
}

export class RunFailure extends Error {}

export function median(xs: readonly number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = Math.floor(a.length / 2);
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

export const ms = (v: number): string => `${Math.round(v)} ms`;

function spawnTimed(cmd: string, args: string[], env: Record<string, string>, what: string): Promise<{ ms: number; out: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve({ ms: performance.now() - started, out });
      else reject(new RunFailure(`${what} exited with ${code}: ${err.trim().slice(0, 500)}`));
    });
  });
}

export async function runBare(extraEnv: Record<string, string> = {}): Promise<RunResult> {
  const r = await spawnTimed(NODE24_BIN, ['-e', '0'], { PATH: process.env['PATH'] ?? '', HOME: os.tmpdir(), ...extraEnv }, 'node -e 0');
  return { ms: r.ms, calls: [] };
}

/** A job whose step wrote a refreshing profile: set up once; its credential_process line is then timed. */
export class RefreshHelper {
  private ready: { job: Job; line: string; env: Record<string, string> } | undefined;

  constructor(
    private readonly s: Scenario,
    private readonly inputs: Record<string, string>,
  ) {}

  private async setUp(): Promise<NonNullable<RefreshHelper['ready']>> {
    if (this.ready) return this.ready;
    const job = new Job();
    const r = await job.runStep({ node: NODE24_BIN, entry: 'main', inputs: this.inputs, env: this.s.oidcEnv });
    if (r.exitCode !== 0) throw new RunFailure(`refresh set-up failed: ${r.errors.join(' | ')}`);
    const line = /^credential_process = (.*)$/m.exec(fs.readFileSync(path.join(job.home, '.aws', 'config'), 'utf8'))?.[1];
    if (!line) throw new RunFailure('refresh set-up wrote no credential_process');
    const env = { PATH: process.env['PATH'] ?? '', HOME: job.home, RUNNER_TEMP: job.runnerTemp, ...this.s.oidcEnv };
    this.ready = { job, line, env };
    return this.ready;
  }

  async run(extraEnv: Record<string, string> = {}): Promise<RunResult> {
    const { line, env } = await this.setUp();
    this.s.sts.clearCalls();
    const r = await spawnTimed('sh', ['-c', line], { ...env, ...extraEnv }, 'refresh helper');
    if ((JSON.parse(r.out) as { Version?: unknown }).Version !== 1) throw new RunFailure('refresh helper printed no credentials');
    return { ms: r.ms, calls: [...this.s.calls()] };
  }

  async cleanup(): Promise<void> {
    await this.ready?.job.cleanup();
  }
}

/**
 * Runs the steps one after another in one fresh job (GITHUB_ENV exports carry over, as on a runner), with
 * the scenario's latency set; the time is the sum of the steps' wall times (spawn to exit).
 */
export async function runSteps(
  s: Scenario,
  label: string,
  steps: (job: Job) => StepSpec[],
  latency: Latency = NO_LATENCY,
  extraEnv: (step: number) => Record<string, string> = () => ({}),
): Promise<RunResult> {
  const job = new Job();
  try {
    s.sts.setResponseDelay(latency.stsMs);
    s.oidc.setResponseDelay(latency.oidcMs);
    s.sts.clearCalls();
    let total = 0;
    for (const [i, step] of steps(job).entries()) {
      const r = await job.runStep({ node: NODE24_BIN, ...step, env: { ...step.env, ...extraEnv(i) }, timeoutMs: 120_000 });
      if (r.exitCode !== 0 || r.timedOut) {
        const why = r.timedOut ? 'timed out' : `exit code ${r.exitCode}`;
        throw new RunFailure(`${label}, step ${i + 1}: ${why}: ${[...r.errors, r.stderr.trim()].filter(Boolean).join(' | ').slice(0, 2000)}`);
      }
      total += r.durationMs;
    }
    return { ms: total, calls: [...s.calls()] };
  } finally {
    s.sts.setResponseDelay(0);
    s.oidc.setResponseDelay(0);
    await job.cleanup();
  }
}

/** Runs `run` once with the probe preloaded into every node process it starts; reads what each one wrote. */
export async function probed(dir: string, run: (env: (step: number) => Record<string, string>) => Promise<unknown>): Promise<Probe> {
  const files: string[] = [];
  const env = (step: number): Record<string, string> => {
    const file = path.join(dir, `probe-${process.hrtime.bigint()}-${step}`);
    files.push(file);
    return { NODE_OPTIONS: `--import=${RSS_PROBE}`, BENCH_RSS_FILE: file };
  };
  await run(env);
  const reports = files.map((f) => fs.readFileSync(f, 'utf8').trim().split(' ').map(Number));
  if (reports.length === 0 || reports.some((r) => r.length !== 2 || !r.every((n) => Number.isFinite(n) && n > 0))) {
    throw new RunFailure('the probe reported no RSS or CPU time');
  }
  return { rssKb: Math.max(...reports.map((r) => r[0]!)), cpuMs: reports.reduce((sum, r) => sum + r[1]!, 0) };
}
