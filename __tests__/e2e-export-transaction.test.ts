/**
 * Export as a transaction and the checks before it, through the bundled dist/ (issue 13 items 5 and 6,
 * issue 14 item 5): a profile name that could escape a path is refused at plan time before any STS
 * call; a credential whose expiration is not a date, a lock held by another writer, an unwritable
 * GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE, a target file that is not an INI file, a directory
 * another user owns or can write: each is one error line, and nothing is left in env, outputs,
 * state, profile files or private files.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Scenario, HUB, USER } from './support/scenario.js';
import { NODE24_BIN, type StepResult } from './support/harness.js';

let s: Scenario;
beforeEach(async () => {
  s = await Scenario.start();
});
afterEach(async () => {
  await s.stop();
});

const isRoot = process.platform !== 'win32' && process.getuid?.() === 0;
const privateDirs = () => readdirSync(s.job.runnerTemp).filter((n) => n.startsWith('aws-assume-chain-'));
const aws = () => join(s.job.home, '.aws');

/** One error line; nothing exported, output, saved, written to ~/.aws or left in RUNNER_TEMP. */
function expectNothingLeft(r: StepResult, error: RegExp, awsBefore?: Record<string, string>): void {
  expect(r.exitCode).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(error);
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.exportedEnv).toEqual({});
  expect(r.outputs).toEqual({});
  expect(r.state).toEqual({});
  expect(privateDirs()).toEqual([]);
  if (awsBefore === undefined) expect(existsSync(aws())).toBe(false);
  else {
    expect(readdirSync(aws()).sort()).toEqual(Object.keys(awsBefore).sort());
    for (const [name, text] of Object.entries(awsBefore)) expect(readFileSync(join(aws(), name), 'utf8')).toBe(text);
  }
  s.noLeaks(r);
}

const hubInputs = { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'aws-profile': 'deploy' };

describe('one profile-name rule, at plan time', () => {
  test('[profile "x/../../../../../../leaked"] selected by x* with refresh: refused before any STS call, nothing written anywhere', async () => {
    mkdirSync(join(s.job.workspace, '.github'), { recursive: true });
    writeFileSync(
      join(s.job.workspace, '.github', 'aws-config'),
      `[profile "x/../../../../../../leaked"]\nweb_identity_token_file = /var/run/not-in-ci/token\nrole_arn = ${HUB}\nregion = eu-west-1\n`,
    );
    const r = await s.main({ inputs: { 'config-file': '.github/aws-config', profile: 'x*', refresh: 'true' }, env: s.oidcEnv });
    expectNothingLeft(
      r,
      /^Input 'profile': selects the config profile "x\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/leaked", which cannot be written as a profile: it contains '\/'/,
    );
    expect(s.calls()).toEqual([]);
    expect(existsSync('/leaked.credentials.json')).toBe(false);
  });

  test('a bad aws-profile is reported as aws-profile (input mode), before any STS call', async () => {
    const r = await s.main({ inputs: { ...hubInputs, 'aws-profile': 'a]b' }, env: s.oidcEnv });
    expectNothingLeft(r, /^Input 'aws-profile': the profile name "a\]b" contains '\]'$/);
    expect(s.calls()).toEqual([]);
  });

  test('a fan-out template that gives a name with a slash is refused before any STS call', async () => {
    const r = await s.main({
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': HUB, 'fan-out-roles': HUB, 'profile-name-template': '{account}/{role}' },
      env: s.oidcEnv,
    });
    expectNothingLeft(r, /^Input 'profile-name-template': gives the profile name "111111111111\/github-hub", which contains '\/'$/);
    expect(s.calls()).toEqual([]);
  });
});

describe('nothing half-done', () => {
  test('a credential_process printing "Expiration":"garbage" with aws-profile: dev: one error, nothing exported or written', async () => {
    // Keys the emulator accepts (so the step gets as far as the export); the script lives outside the
    // job's scanned directories, as it holds them.
    const script = join(s.job.root, 'creds.js');
    writeFileSync(
      script,
      `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: ${JSON.stringify(USER.accessKeyId)}, SecretAccessKey: ${JSON.stringify(USER.secretAccessKey)}, Expiration: 'garbage' }));\n`,
    );
    writeFileSync(join(s.job.workspace, 'aws-config'), `[profile src]\ncredential_process = ${NODE24_BIN} ${script}\nregion = eu-west-1\n`);
    const r = await s.main({ inputs: { 'config-file': 'aws-config', profile: 'src', 'aws-profile': 'dev' }, env: s.stsEnv });
    expectNothingLeft(r, /expiration/i);
    expect(r.errors[0]).not.toMatch(/^Unexpected error/);
  });

  test.each(['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_STATE'])(
    '%s that cannot be written: the profiles, env and outputs already written are undone',
    async (file) => {
      const r = await s.main({ inputs: hubInputs, env: { ...s.oidcEnv, [file]: join(s.job.root, 'missing', 'file') } });
      expectNothingLeft(r, new RegExp(`^cannot write the runner's ${file} file .*: it does not exist$`));
    },
  );

  test("a lock held by another live writer: refused after the wait, the user's files untouched", async () => {
    mkdirSync(aws(), { mode: 0o700 });
    const before = {
      credentials: '[user]\naws_access_key_id = AKIAUSERORIGINAL0001\naws_secret_access_key = user-secret\n',
      'credentials.lock': JSON.stringify({ pid: process.pid, host: hostname(), token: 't' }),
    };
    for (const [name, text] of Object.entries(before)) writeFileSync(join(aws(), name), text, { mode: 0o600 });
    // A live holder keeps its lock fresh (a lock untouched for 8 s is judged abandoned).
    const touch = setInterval(() => utimesSync(join(aws(), 'credentials.lock'), new Date(), new Date()), 500);
    let r: StepResult;
    try {
      r = await s.main({ inputs: hubInputs, env: s.oidcEnv });
    } finally {
      clearInterval(touch);
    }
    expectNothingLeft(r, /^Timed out after 10s waiting for the lock file .*credentials\.lock/, before);
  }, 60_000);
});

describe('target files and directories', () => {
  test('a credentials file that is not an AWS INI file (a copy of /etc/passwd) is refused, not appended to', async () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\nrunner:x:1001:1001::/home/runner:/bin/bash\n';
    mkdirSync(aws(), { mode: 0o700 });
    writeFileSync(join(aws(), 'credentials'), passwd, { mode: 0o600 });
    const r = await s.main({ inputs: hubInputs, env: s.oidcEnv });
    expectNothingLeft(
      r,
      /^Refusing to write AWS profiles to .*credentials: line 1 is not valid in an AWS INI file \(text before the first \[section\] header\)/,
      { credentials: passwd },
    );
    expect(r.errors[0]).not.toContain('root:x');
  });

  (process.platform === 'win32' ? test.skip : test)('a world-writable ~/.aws is refused with one line, nothing written (POSIX only)', async () => {
    mkdirSync(aws());
    chmodSync(aws(), 0o777);
    const r = await s.main({ inputs: hubInputs, env: s.oidcEnv });
    expectNothingLeft(r, /^Refusing to write AWS profiles in .*\.aws: the directory can be written by group or others \(mode 0777\); chmod go-w it\.$/, {});
  });

  (isRoot ? test : test.skip)('a ~/.aws owned by another user is refused (needs root to chown to nobody)', async () => {
    mkdirSync(aws(), { mode: 0o700 });
    chownSync(aws(), 65534, 65534);
    const r = await s.main({ inputs: hubInputs, env: s.oidcEnv });
    expectNothingLeft(r, /^Refusing to write AWS profiles in .*\.aws: the directory belongs to another user \(uid 65534\)\.$/, {});
  });

  (process.platform === 'win32' ? test.skip : test)('a RUNNER_TEMP others can write (not sticky) cannot hold the private directory (POSIX only)', async () => {
    chmodSync(s.job.runnerTemp, 0o777);
    const r = await s.main({ inputs: hubInputs, env: s.oidcEnv });
    chmodSync(s.job.runnerTemp, 0o755);
    expectNothingLeft(r, /^Refusing to create the private directory in .*_temp \(RUNNER_TEMP\): the directory can be written by group or others \(mode 0777\)/);
    rmSync(aws(), { recursive: true, force: true });
  });
});
