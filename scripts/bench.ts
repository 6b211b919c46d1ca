/**
 * `npm run bench`: what the action costs, measured on the bundle as the runner runs it.
 *  - start-up: node 24 loading dist/index.js and failing on its first input check (no network);
 *  - one hop: OIDC → role against the local emulator;
 *  - fan-out: OIDC → hub → 50 member roles, 50 profiles written (target ≤ 2 s on a 2-core machine).
 * Reports median and worst wall time over several runs, and the bundle's peak memory.
 */
import { spawn } from 'node:child_process';
import { Scenario, HUB, memberRole } from '../__tests__/support/scenario.js';
import { MAIN_ENTRY, NODE24_BIN } from '../__tests__/support/harness.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const FAN_OUT_TARGET_MS = 2000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function startupMs(): Promise<number> {
  const started = performance.now();
  const child = spawn(NODE24_BIN, [MAIN_ENTRY], { env: { PATH: process.env['PATH'] ?? '', HOME: '/tmp' }, stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return performance.now() - started;
}

/** Peak RSS (ru_maxrss) of loading the bundle, reported by the child itself. */
async function peakRssKb(env: Record<string, string>): Promise<number> {
  const probe = `import('${MAIN_ENTRY}').finally(() => {});process.on('exit', () => process.stderr.write('RSS ' + process.resourceUsage().maxRSS + '\\n'));`;
  const child = spawn(NODE24_BIN, ['--input-type=module', '-e', probe], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise((resolve) => child.on('exit', resolve));
  return Number(/RSS (\d+)/.exec(err)?.[1] ?? NaN);
}

async function timeSteps(label: string, members: number, inputs: (i: number) => Record<string, string>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = await Scenario.start({ members });
    try {
      const r = await s.main({ inputs: inputs(i), env: s.oidcEnv });
      if (r.exitCode !== 0) throw new Error(`${label} failed: ${r.errors.join(' ')}`);
      times.push(r.durationMs);
    } finally {
      await s.stop();
    }
  }
  console.log(`${label.padEnd(44)} median ${median(times).toFixed(0).padStart(5)} ms   worst ${Math.max(...times).toFixed(0).padStart(5)} ms   (${RUNS} runs)`);
  return median(times);
}

const startups: number[] = [];
for (let i = 0; i < RUNS; i++) startups.push(await startupMs());
console.log(`${'start-up (load dist/index.js, fail on inputs)'.padEnd(44)} median ${median(startups).toFixed(0).padStart(5)} ms   worst ${Math.max(...startups).toFixed(0).padStart(5)} ms   (${RUNS} runs)`);
console.log(`${'peak RSS of that start-up'.padEnd(44)} ${(await peakRssKb({ PATH: process.env['PATH'] ?? '', HOME: '/tmp' }) / 1024).toFixed(1)} MiB`);

await timeSteps('one hop (OIDC → role)', 0, () => ({ 'aws-region': 'us-east-1', 'role-to-assume': HUB }));
const fanOut = await timeSteps('fan-out (OIDC → hub → 50 roles, 50 profiles)', 50, () => ({
  'aws-region': 'us-east-1',
  'role-to-assume': HUB,
  'fan-out-roles': Array.from({ length: 50 }, (_, i) => memberRole(i + 1)).join('\n'),
}));
const verdict = fanOut <= FAN_OUT_TARGET_MS ? 'meets' : 'MISSES';
console.log(`fan-out of 50 ${verdict} the ${FAN_OUT_TARGET_MS} ms target (median ${fanOut.toFixed(0)} ms)`);
if (fanOut > FAN_OUT_TARGET_MS) process.exitCode = 1;
