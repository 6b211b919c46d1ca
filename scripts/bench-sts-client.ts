/**
 * `npx tsx scripts/bench-sts-client.ts`: today's STS client (@aws-sdk/client-sts) against one assembled
 * from lower-level parts (@smithy/signature-v4 + node:crypto, the Query protocol over node:http, the
 * XML read for its fields) and one that signs on node:crypto alone, each bundled with esbuild the way dist/ ships code, each making ONE
 * AssumeRole from a cold node 24 process against the STS emulator (real HTTP, real SigV4 checks).
 *
 * Rounds are interleaved (bare `node -e 0`, SDK, lean, min) so that the load of a shared machine hits every
 * row alike; the table gives medians of CPU time (user + system, read by the child at exit), of its
 * ratio to `node -e 0` in the same round, and of wall time. BENCH_RUNS rounds (default 20).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { NODE24_BIN, REPO_ROOT } from '../__tests__/support/harness.js';
import { HUB, Scenario, USER } from '../__tests__/support/scenario.js';

const RUNS = Math.max(1, Number(process.env['BENCH_RUNS'] ?? 20) || 20);
const HERE = path.join(REPO_ROOT, 'scripts', 'bench-sts-client');
const VARIANTS = { sdk: 'sdk-client.ts', lean: 'lean-client.ts', min: 'min-client.ts' } as const;
type Name = 'bare' | keyof typeof VARIANTS;

/** One ESM file per variant; CommonJS dependencies get a real `require` as in ncc's output. */
async function bundle(dir: string, variant: string): Promise<string> {
  const outfile = path.join(dir, `${variant}.mjs`);
  await build({
    entryPoints: [path.join(HERE, 'child.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    outfile,
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    plugins: [
      {
        name: 'variant',
        setup(b) {
          b.onResolve({ filter: /^\.\/variant\.js$/ }, () => ({ path: path.join(HERE, VARIANTS[variant as keyof typeof VARIANTS]) }));
        },
      },
    ],
    logLevel: 'error',
  });
  return outfile;
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

function runChild(args: string[], env: Record<string, string>, check: (out: string) => number): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(NODE24_BIN, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}: ${err.slice(0, 500)}`));
      try {
        resolve({ wallMs, cpuMs: check(out) });
      } catch (e) {
        reject(e);
      }
    });
  });
}

const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  const m = Math.floor(a.length / 2);
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
};

const s = await Scenario.start();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aac-bench-sts-'));
try {
  const files = { sdk: await bundle(dir, 'sdk'), lean: await bundle(dir, 'lean'), min: await bundle(dir, 'min') };
  const config = JSON.stringify({ endpoint: s.sts.url, region: 'us-east-1', keyId: USER.accessKeyId, secret: USER.secretAccessKey, roleArn: HUB });
  const probe = path.join(dir, 'probe.mjs');
  fs.writeFileSync(probe, "process.on('exit', () => { const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000)); });\n");
  const samples: Record<Name, Sample[]> = { bare: [], sdk: [], lean: [], min: [] };
  const call = (name: keyof typeof VARIANTS) =>
    runChild([files[name]], { BENCH_STS: config }, (out) => {
      const r = JSON.parse(out) as { arn: string; cpuMs: number };
      if (!r.arn.startsWith('arn:aws:sts::111111111111:assumed-role/github-hub/bench')) throw new Error(`${name}: unexpected answer ${out}`);
      return r.cpuMs;
    });
  process.stderr.write(`bench-sts-client: 1 warm-up + ${RUNS} rounds\n`);
  for (let round = 0; round <= RUNS; round++) {
    const bare = await runChild(['--import', probe, '-e', '0'], {}, Number);
    const sdk = await call('sdk');
    const lean = await call('lean');
    const min = await call('min');
    if (round === 0) continue;
    samples.min.push(min);
    samples.bare.push(bare);
    samples.sdk.push(sdk);
    samples.lean.push(lean);
  }
  const lines = [
    `One AssumeRole from a cold node 24 process, ${RUNS} interleaved rounds, medians (emulator on loopback).`,
    '',
    '| Client | Bundle | CPU | CPU ÷ `node -e 0` | CPU over `node -e 0` | Wall | Wall over `node -e 0` |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const name of ['bare', 'sdk', 'lean', 'min'] as const) {
    const xs = samples[name];
    const size = name === 'bare' ? '–' : `${fs.statSync(files[name]).size.toLocaleString('en-US')} B`;
    const ratio = median(xs.map((x, i) => x.cpuMs / samples.bare[i]!.cpuMs)).toFixed(2);
    const over = median(xs.map((x, i) => x.cpuMs - samples.bare[i]!.cpuMs)).toFixed(0);
    const wallOver = median(xs.map((x, i) => x.wallMs - samples.bare[i]!.wallMs)).toFixed(0);
    const label = {
      bare: '`node -e 0`',
      sdk: '@aws-sdk/client-sts (today)',
      lean: '@smithy/signature-v4 + Query over node:http',
      min: 'SigV4 on node:crypto + Query over node:http',
    }[name];
    lines.push(
      `| ${label} | ${size} | ${median(xs.map((x) => x.cpuMs)).toFixed(0)} ms | ${ratio} | ${over} ms | ${median(xs.map((x) => x.wallMs)).toFixed(0)} ms | ${wallOver} ms |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
  await s.stop();
}
