/**
 * The credential_process helper's own entry, dist/refresh/index.js (src/refreshHelper.ts): a cache hit
 * is answered from the cache without loading the action bundle or node:crypto; everything else is
 * handed to the full helper in dist/index.js, with Node's compile cache in the step's private directory
 * only. Refusals read byte for byte as the full helper words them (it is the one that says them), so
 * each refusal below is compared with the full helper started directly, as lines written before this
 * entry existed start it.
 */
import { exec, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MAIN_ENTRY, NODE24_BIN, REPO_ROOT } from './support/harness.js';
import { DEPLOY, HUB, Scenario } from './support/scenario.js';

const posixTest = process.platform !== 'win32' ? test : test.skip; // sh -c, modes and owners are POSIX
const TRACE = path.join(REPO_ROOT, '__tests__', 'fixtures', 'load-trace.mjs');
const HELPER = path.join(REPO_ROOT, 'dist', 'refresh', 'index.js');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
/** Changing a file's owner needs root: those cases are skipped, with this reason, elsewhere. */
const rootTest = process.platform !== 'win32' && isRoot ? test : test.skip;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let s: Scenario;
let dir: string;
let traceFile: string;
beforeEach(async () => {
  s = await Scenario.start();
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', refresh: 'true', 'role-chain': `${HUB}\n${DEPLOY} external-id=deploy-ext-42`, 'aws-profile': 'deploy' },
    env: s.oidcEnv,
  });
  expect(r.errors).toEqual([]);
  const dirs = fs.readdirSync(s.job.dirs.runnerTemp).filter((d) => d.startsWith('aws-assume-chain-'));
  expect(dirs).toHaveLength(1);
  dir = path.join(s.job.dirs.runnerTemp, dirs[0]!);
  traceFile = path.join(s.job.dirs.root, 'load-trace.jsonl');
});
afterEach(async () => {
  await s.stop();
});

const planFile = () => path.join(dir, 'plan.json');
const cacheFile = () => path.join(dir, fs.readdirSync(dir).find((f) => /^cache-[0-9a-f]{32}\.json$/.test(f))!);
const compileCache = () => path.join(dir, 'compile-cache');

function line(): string {
  const config = fs.readFileSync(path.join(s.job.dirs.home, '.aws', 'config'), 'utf8');
  return /^credential_process = (.*)$/m.exec(config)![1]!;
}

function laterEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '', HOME: s.job.dirs.home, RUNNER_TEMP: s.job.dirs.runnerTemp, ...s.oidcEnv, ...extra };
}

const traced = () => laterEnv({ NODE_OPTIONS: `--import=${TRACE}`, LOAD_TRACE_FILE: traceFile });

/** The last run's module files (relative to the repository) and whether it loaded node:crypto. */
function lastTrace(): { files: string[]; crypto: boolean } {
  const last = JSON.parse(fs.readFileSync(traceFile, 'utf8').trim().split('\n').at(-1)!) as { files: string[]; crypto: boolean };
  return { ...last, files: last.files.map((u) => path.relative(REPO_ROOT, new URL(u).pathname)) };
}

/** The profile's line, with a shell, as the JS and Go SDKs run it. */
function runLine(env: Record<string, string>): Promise<Run> {
  return new Promise((ok) =>
    exec(line(), { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      ok({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}

/** `node <entry> ...args` on node 24. */
function runEntry(entry: string, args: string[], env: Record<string, string> = laterEnv()): Promise<Run> {
  return new Promise((ok) =>
    execFile(NODE24_BIN, [entry, ...args], { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      ok({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}

function expectNoSecretsIn(text: string): void {
  for (const secret of s.secrets()) if (secret.length >= 4) expect(text.includes(secret)).toBe(false);
}

posixTest('a cache hit is answered by dist/refresh/index.js alone: no STS call, no action bundle, no node:crypto, no compile cache', async () => {
  expect(line()).toContain(HELPER);
  const deploy = s.sts.issuedSessions()[1]!;
  const mark = s.calls().length;
  const hit = await runLine(traced());
  expect(hit.stderr).toBe('');
  expect(hit.code).toBe(0);
  expect(JSON.parse(hit.stdout)).toEqual({
    Version: 1,
    AccessKeyId: deploy.accessKeyId,
    SecretAccessKey: deploy.secretAccessKey,
    SessionToken: deploy.sessionToken,
    Expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
  });
  expect(s.calls()).toHaveLength(mark);
  expect(lastTrace()).toEqual({ files: ['dist/refresh/index.js'], crypto: false });
  expect(fs.existsSync(compileCache())).toBe(false);
  // Control: the trace sees the full helper when it is started.
  await runEntry(MAIN_ENTRY, ['credential-process', planFile(), 'deploy'], traced());
  // (the action's entry, then the chunks it loads on use; never the refresh entry)
  const control = lastTrace();
  expect(control.files[0]).toBe('dist/index.js');
  expect(control.files).not.toContain('dist/refresh/index.js');
  expect(control.crypto).toBe(true);
});

posixTest('a miss re-runs the chain through the full helper; the compile cache is written in the private directory and nowhere else', async () => {
  const before = new Set(listTree(s.job.dirs.root));
  fs.rmSync(cacheFile());
  const mark = s.calls().length;
  const miss = await runLine(traced());
  expect(miss.stderr).toBe('');
  expect(miss.code).toBe(0);
  expect(
    s
      .calls()
      .slice(mark)
      .map((c) => `${c.action} ${c.params['RoleArn']}`),
  ).toEqual([`AssumeRoleWithWebIdentity ${HUB}`, `AssumeRole ${DEPLOY}`]);
  const fresh = s.sts.issuedSessions().at(-1)!;
  expect(JSON.parse(miss.stdout)).toMatchObject({ Version: 1, AccessKeyId: fresh.accessKeyId, SessionToken: fresh.sessionToken });
  expect(lastTrace().files).toEqual(['dist/refresh/index.js', 'dist/index.js', ...lastTrace().files.slice(2)]);
  expectNoSecretsIn(miss.stderr);

  // New paths: the rewritten cache, and the compile cache (0700) with at least one entry, all in the private directory.
  const added = listTree(s.job.dirs.root).filter((p) => !before.has(p) && p !== traceFile);
  expect(added.length).toBeGreaterThan(2);
  for (const p of added) expect(p.startsWith(`${dir}${path.sep}`)).toBe(true);
  expect(fs.lstatSync(compileCache()).mode & 0o777).toBe(0o700);
  expect(listTree(compileCache()).some((p) => fs.statSync(p).isFile())).toBe(true);

  // The new session is cached: the next process is a hit again.
  const again = await runLine(traced());
  expect(JSON.parse(again.stdout)).toMatchObject({ AccessKeyId: fresh.accessKeyId });
  expect(lastTrace().files).toEqual(['dist/refresh/index.js']);
  expect(s.calls()).toHaveLength(mark + 2);
});

function listTree(root: string): string[] {
  return fs.readdirSync(root, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(root, e.name);
    return e.isDirectory() ? [p, ...listTree(p)] : [p];
  });
}

/** Runs the profile's line and the full helper directly: both refuse, in the same words, with no STS call. */
async function expectRefusedAsBefore(message: RegExp): Promise<void> {
  const mark = s.calls().length;
  const viaLine = await runLine(laterEnv());
  const direct = await runEntry(MAIN_ENTRY, ['credential-process', planFile(), 'deploy']);
  expect(viaLine).toEqual(direct);
  expect(viaLine.code).toBe(1);
  expect(viaLine.stdout).toBe('');
  expect(viaLine.stderr).toMatch(message);
  expect(viaLine.stderr.split('\n')).toHaveLength(2);
  expectNoSecretsIn(viaLine.stderr);
  expect(s.calls()).toHaveLength(mark);
}

describe('a hit with a tampered plan or cache is refused exactly as the full helper refuses it', () => {
  posixTest('a plan other users can write', async () => {
    fs.chmodSync(planFile(), 0o646);
    await expectRefusedAsBefore(/^aws-assume-chain credential-process: \S+plan\.json can be written by other users\n$/);
  });
  posixTest('a cache file the group can write', async () => {
    fs.chmodSync(cacheFile(), 0o620);
    await expectRefusedAsBefore(/^aws-assume-chain credential-process: \S+cache-[0-9a-f]{32}\.json can be written by other users\n$/);
  });
  posixTest('a cache file that is a symbolic link to a good copy', async () => {
    const file = cacheFile();
    fs.renameSync(file, `${file}.real`);
    fs.symlinkSync(`${file}.real`, file);
    await expectRefusedAsBefore(/^aws-assume-chain credential-process: \S+cache-[0-9a-f]{32}\.json is not a regular file\n$/);
  });
  posixTest('a plan that is a symbolic link to a good copy', async () => {
    fs.renameSync(planFile(), path.join(dir, 'plan.real'));
    fs.symlinkSync(path.join(dir, 'plan.real'), planFile());
    await expectRefusedAsBefore(/^aws-assume-chain credential-process: \S+plan\.json is not a regular file\n$/);
  });
  // Without root the test cannot give a file to another user.
  rootTest('a plan that belongs to another user', async () => {
    fs.chownSync(planFile(), 65534, 65534);
    await expectRefusedAsBefore(/^aws-assume-chain credential-process: \S+plan\.json belongs to another user\n$/);
  });
  rootTest('a cache file that belongs to another user', async () => {
    fs.chownSync(cacheFile(), 65534, 65534);
    await expectRefusedAsBefore(/^aws-assume-chain credential-process: \S+cache-[0-9a-f]{32}\.json belongs to another user\n$/);
  });
});

describe('the compile cache is never used where someone else could write', () => {
  async function missSucceeds(): Promise<void> {
    fs.rmSync(cacheFile());
    const miss = await runLine(laterEnv());
    expect(miss.stderr).toBe('');
    expect(miss.code).toBe(0);
    expect(JSON.parse(miss.stdout)).toMatchObject({ AccessKeyId: s.sts.issuedSessions().at(-1)!.accessKeyId });
  }

  posixTest('a private directory the group can write: no compile cache at all', async () => {
    fs.chmodSync(dir, 0o770);
    await missSucceeds();
    expect(fs.existsSync(compileCache())).toBe(false);
  });
  posixTest('a compile-cache directory others can write: left empty', async () => {
    fs.mkdirSync(compileCache());
    fs.chmodSync(compileCache(), 0o777);
    await missSucceeds();
    expect(fs.readdirSync(compileCache())).toEqual([]);
  });
  posixTest('a compile-cache that is a link to another directory: nothing written there', async () => {
    const elsewhere = path.join(s.job.dirs.root, 'elsewhere');
    fs.mkdirSync(elsewhere, { mode: 0o700 });
    fs.symlinkSync(elsewhere, compileCache());
    await missSucceeds();
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });
});

test('the helper bundle stays small: at most 40,000 bytes, one file, no chunk of its own', () => {
  expect(fs.statSync(HELPER).size).toBeLessThanOrEqual(40_000);
  expect(fs.readdirSync(path.dirname(HELPER)).sort()).toEqual(['index.js', 'package.json']);
});

posixTest('the entry runs only the helper: without its arguments it prints the usage line and never starts the action', async () => {
  for (const args of [[], ['run'], ['credential-process', planFile()]]) {
    const r = await runEntry(HELPER, args, { ...laterEnv(), GITHUB_OUTPUT: path.join(s.job.dirs.root, 'out') });
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'aws-assume-chain credential-process: usage: credential-process <plan file> <profile>\n' });
  }
  expect(fs.existsSync(path.join(s.job.dirs.root, 'out'))).toBe(false);
});
