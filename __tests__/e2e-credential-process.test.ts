/**
 * A config's credential_process run by the bundled action: a command that ignores SIGTERM (and leaves
 * a child behind), one that never ends, one that forks a daemon holding its pipes, one that prints
 * secrets on stderr, one that floods stdout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Scenario, DEPLOY, USER } from './support/scenario.js';

const posix = process.platform !== 'win32';
const posixTest = posix ? test : test.skip; // process groups and /proc: the kill checks are POSIX-only
const PRIVATE_TOKEN = `ghp_${'Zx9'.repeat(12)}`;

let s: Scenario;
const pidFiles: string[] = [];
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  // Whatever a script left running (when a test fails) does not outlive it.
  for (const file of pidFiles.splice(0)) for (const pid of readPids(file)) tryKill(pid);
  await s.stop();
});

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function readPids(file: string): number[] {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as number[]) : [];
}

/** Alive and not a zombie waiting for a reaper. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  if (!fs.existsSync(stat)) return true;
  return !/^\d+ \(.*\) Z/.test(fs.readFileSync(stat, 'utf8'));
}

/** Writes `body` as a node script in the workspace and a config whose profile `proc` runs it (and `deploy` builds on it). */
function configWith(body: string): { config: string; pidFile: string } {
  const dir = path.join(s.job.dirs.workspace, 'proc');
  fs.mkdirSync(dir, { recursive: true });
  const script = path.join(dir, 'creds.mjs');
  const pidFile = path.join(dir, 'pids.json');
  pidFiles.push(pidFile);
  fs.writeFileSync(script, `const PIDFILE = ${JSON.stringify(pidFile)};\n${body}\n`);
  const config = path.join(dir, 'config');
  fs.writeFileSync(
    config,
    `[profile proc]\ncredential_process = "${process.execPath}" "${script}"\n\n` +
      `[profile deploy]\nrole_arn = ${DEPLOY}\nsource_profile = proc\nexternal_id = deploy-ext-42\n`,
  );
  return { config, pidFile };
}

const CREDS_JSON = JSON.stringify({ Version: 1, AccessKeyId: USER.accessKeyId, SecretAccessKey: USER.secretAccessKey });

function failedCleanly(r: Awaited<ReturnType<Scenario['main']>>, message: RegExp, extraSecrets: string[] = []): void {
  expect(r.timedOut).toBe(false);
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(message);
  expect(r.exportedEnv).toEqual({});
  expect(r.outputs).toEqual({});
  expect(s.calls()).toHaveLength(0);
  s.noLeaks(r, [path.join(s.job.dirs.workspace, 'proc')]);
  for (const secret of extraSecrets) expect(r.stdout + r.stderr).not.toContain(secret);
}

posixTest('a command that ignores SIGTERM is killed with its whole process group, and the timeout is called a timeout', async () => {
  const { config, pidFile } = configWith(`
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
process.on('SIGTERM', () => {});
const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
writeFileSync(PIDFILE, JSON.stringify([process.pid, child.pid]));
process.stderr.write('waiting for the hardware token...\\n');
setInterval(() => {}, 1000);`);
  // action-timeout-s 8: the process gets 5 s, then 2 s of grace after SIGTERM, and the step reports in time.
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'config-file': config, profile: 'deploy', 'action-timeout-s': '8' },
    env: s.stsEnv,
    timeoutMs: 30_000,
  });
  // The process gets what is left of the 8 s less 3 s (grace and report), in whole seconds: 5, or 4 on a slow start.
  failedCleanly(
    r,
    /CredentialRetrievalError: .*custom-process: the process timed out after [45] s and was stopped; its stderr ends: waiting for the hardware token\.\.\./,
  );
  expect(r.errors[0]).not.toMatch(/exited with code|Action timed out/);
  expect(r.durationMs).toBeLessThan(12_000);
  const pids = readPids(pidFile);
  expect(pids).toHaveLength(2);
  for (const pid of pids) expect(alive(pid)).toBe(false);
});

test('a command that never ends is stopped at its timeout', async () => {
  const { config } = configWith(`process.stdout.write('{"Version": 1,'); setInterval(() => {}, 1000);`);
  const r = await s.main({
    inputs: { 'aws-region': 'us-east-1', 'config-file': config, profile: 'proc', 'action-timeout-s': '5' },
    env: s.stsEnv,
    timeoutMs: 30_000,
  });
  failedCleanly(r, /custom-process: the process timed out after [12] s and was stopped/);
  expect(r.durationMs).toBeLessThan(10_000);
});

posixTest('a daemon forked by the command holding its pipes open does not hold the step', async () => {
  const { config, pidFile } = configWith(`
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const daemon = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit', detached: true });
daemon.unref();
writeFileSync(PIDFILE, JSON.stringify([daemon.pid]));
process.stdout.write(${JSON.stringify(CREDS_JSON)});`);
  const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'config-file': config, profile: 'deploy' }, env: s.stsEnv, timeoutMs: 30_000 });
  expect(r.errors).toEqual([]);
  expect(r.exitCode).toBe(0);
  expect(r.durationMs).toBeLessThan(10_000);
  expect(s.calls('AssumeRole')[0]!.signer?.accessKeyId).toBe(USER.accessKeyId);
  expect(readPids(pidFile)).toHaveLength(1); // the daemon really was holding the pipes
  expect(alive(readPids(pidFile)[0]!)).toBe(true);
  s.noLeaks(r, [path.join(s.job.dirs.workspace, 'proc')]);
});

test('secrets a failing command prints on stderr never reach the log', async () => {
  const { config } = configWith(`
process.stdout.write(${JSON.stringify(CREDS_JSON)});
process.stderr.write('debug: signing with ${USER.secretAccessKey}\\n');
process.stderr.write('debug: GitHub token ${PRIVATE_TOKEN}\\n');
process.stderr.write('debug: Authorization: Bearer abc.def-private\\n');
process.stderr.write('::warning::injected\\n\\u001b[31mfatal: the vault said no\\n');
process.exitCode = 1;`);
  const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'config-file': config, profile: 'deploy' }, env: s.stsEnv });
  failedCleanly(r, /custom-process: debug: .*fatal: the vault said no \[/, [PRIVATE_TOKEN, 'abc.def-private']);
  expect(r.errors[0]).toContain('debug: signing with ***');
  expect(r.errors[0]).toContain('\\x1b[31mfatal');
  expect(r.masks).toEqual(expect.arrayContaining([USER.accessKeyId, USER.secretAccessKey]));
  expect(r.warnings).toEqual([]);
  expect(r.errors[0]!.length).toBeLessThan(500);
});

test('a command flooding stdout is stopped at the cap', async () => {
  const { config } = configWith(`
const chunk = 'x'.repeat(65536);
const pump = () => { while (process.stdout.write(chunk)); process.stdout.once('drain', pump); };
pump();`);
  const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'config-file': config, profile: 'proc' }, env: s.stsEnv, timeoutMs: 30_000 });
  failedCleanly(r, /custom-process: the process printed more than 64 KiB on stdout and was stopped/);
  expect(r.durationMs).toBeLessThan(10_000);
});

test('keys with a line break (an attempt to add lines to a profile file) are refused, not used', async () => {
  const { config } = configWith(
    `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: ${JSON.stringify(USER.accessKeyId)}, SecretAccessKey: 'abc\\n[profile evil]\\ncredential_process = /tmp/x' }));`,
  );
  const r = await s.main({ inputs: { 'aws-region': 'us-east-1', 'config-file': config, profile: 'deploy', 'write-profiles': 'true' }, env: s.stsEnv });
  failedCleanly(r, /custom-process: the process's answer was refused: its SecretAccessKey does not have the shape of an AWS secret key/);
  expect(fs.existsSync(path.join(s.job.dirs.home, '.aws', 'credentials'))).toBe(false);
});
